import { canonicalJson, sha256Hex } from '../core/hash.ts';
import { UsageError } from '../core/errors.ts';
import type { Logger } from '../observability/log.ts';
import type { JobConfig } from '../config/job.ts';
import { withSettings } from '../config/overrides.ts';
import { resolveConfig, withFlags } from '../config/resolve.ts';
import { loadSpec, specHash, type ScoringSpec } from '../scoring/spec.ts';
import { openJobWarehouse } from '../warehouse/open.ts';
import { FEATURE_QUERIES, featureParams, loadQuery } from '../warehouse/queries.ts';
import type { InputTableInfo, QueryRequest, Warehouse } from '../warehouse/port.ts';
import { ensureDefaultSample } from '../sample/default.ts';
import { openStore } from '../store/open.ts';
import type { ObjectStore } from '../store/port.ts';
import { readLatest, type LatestState } from '../snapshot/read.ts';
import { versionId } from '../snapshot/version.ts';
import { paths, type Manifest, type QualityCheckResult } from '../snapshot/contract.ts';
import { QualityConfigSchema, type QualityConfig } from '../quality/config.ts';
import { runSchemaGate } from '../quality/input.ts';
import { defaultAsOf, parseAsOf, type AsOf } from './as-of.ts';
import { latestManifest, warmStartSource } from './previous.ts';
import { marketsOfTask, shardFromEnv } from './sharded.ts';
import type { ShardSpec } from './shard.ts';
import { PACKAGE_VERSION } from './package-version.ts';
import type { RunJournal } from './journal.ts';
import type { RunOptions } from './run-job.ts';

/**
 * Stage 1, plan (docs/architecture.md, "Stages"): settings resolved (job file, environment, flags,
 * --set), ports opened, the schema gate, and the version identity — the inputs' fingerprint, the spec's
 * hash and the warm-start source — read from what LATEST names. Everything a later stage needs, once.
 */
export interface RunPlan {
  job: JobConfig;
  dataset: string;
  asOf: AsOf;
  spec: ScoringSpec;
  specHash: string;
  quality: QualityConfig;
  log: Logger;
  store: ObjectStore;
  warehouse: Warehouse;
  notifyUri: string;
  /** the schema gate's results; empty for a plan, which runs no query on the tables */
  schema: QualityCheckResult[];
  inputs: { warehouse: string; tables: InputTableInfo[]; fingerprint: string };
  latest: LatestState | null;
  /** the manifest LATEST names: the drift baseline */
  previous: Manifest | null;
  /** the published version the solver warm-starts from (part of the identity) */
  warm: Manifest | null;
  version: string;
  shard: ShardSpec;
  /** a sharded task's bin of markets; undefined when unsharded */
  markets?: string[];
  requests: QueryRequest[];
  labels: Record<string, string>;
  producer: Manifest['producer'];
  close(): Promise<void>;
}

/**
 * The run's settings, in the README's order of precedence: flag > --set > PROMOSCORE_* > job file >
 * defaults; where warehouse, store, notifier and dataset come from is decided by the resolver every
 * command shares.
 */
export function resolveSettings(opts: Pick<RunOptions, 'job' | 'set' | 'warehouse' | 'store' | 'notify' | 'dataset'>) {
  const config = resolveConfig(
    { job: opts.job, warehouse: opts.warehouse, store: opts.store, notify: opts.notify, dataset: opts.dataset },
    process.env,
    { qualitySchema: QualityConfigSchema },
  );
  return withFlags(withSettings(config.job, opts.set ?? [], { qualitySchema: QualityConfigSchema }), opts);
}

/** What a job scores and gates with: its spec (or the --spec file) and hash, and its quality settings. */
export function jobRules(job: JobConfig, specFile: string | undefined): { spec: ScoringSpec; specHash: string; quality: QualityConfig } {
  const spec = loadSpec(specFile ?? job.spec);
  return { spec, specHash: specHash(spec), quality: QualityConfigSchema.parse(job.quality ?? {}) };
}

export async function planRun(opts: RunOptions, journal: RunJournal): Promise<RunPlan> {
  const settings = resolveSettings(opts);
  const { job, dataset } = settings;
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(dataset)) {
    throw new UsageError(`--dataset: "${dataset}" must be 1-128 characters of letters, digits, _ . - (not starting with . or -)`);
  }
  const asOf = opts.asOf ? parseAsOf(opts.asOf) : defaultAsOf(job.cadence);
  journal.dataset = dataset;
  journal.asOf = asOf.text;
  const log = journal.log.child({ run_id: journal.runId, job: job.name, dataset, as_of: asOf.text });
  const { spec, specHash: specH, quality } = jobRules(job, opts.spec);

  const handle = opts.warehouseHandle;
  const warehouseUri = handle?.uri ?? settings.warehouse ?? (await defaultSample(asOf, opts.scale, journal, log));
  const store = await openStore(settings.store);
  journal.storeUri = store.uri;
  const warehouse = handle ?? await openJobWarehouse(warehouseUri, job, { runId: journal.runId, log });
  journal.warehouseUri = warehouse.uri;
  const close = async () => {
    // a handed-in warehouse belongs to the caller (the simulator runs many days on one)
    if (!handle) await warehouse.close();
    await store.close?.();
  };
  try {
    journal.progress.start('plan');
    const plan = await journal.clock.time('plan', async () => {
      // schema, types and id sanity before anything reads the tables in bulk: bad input is exit 3, named.
      // A plan runs no query on the tables (on BigQuery its feature queries are dry-run jobs: nothing billed).
      const schema = opts.dryRun ? [] : await runSchemaGate({ warehouse, log, config: quality });
      const tables = await warehouse.describeInputs();
      const fingerprint = sha256Hex(canonicalJson(tables));
      const latest = await readLatest(store, dataset);
      const previous = await latestManifest(store, dataset, latest, log);
      journal.previous = previous;
      const warm = await warmStartSource(store, dataset, asOf.text, previous);
      const version = versionId({ dataset, asOf: asOf.text, specHash: specH, inputFingerprint: fingerprint, force: opts.force, warmStartFrom: warm?.version ?? null });
      journal.version = version;
      journal.manifestUri = store.uriOf(paths.manifest(dataset, version));
      log.info('planned', { version, warehouse: warehouse.uri, store: store.uri, spec_hash: specH, warm_start_from: warm?.version ?? null });

      const labels = { job: job.name, run_id: journal.runId, as_of: asOf.text };
      const shard = shardFromEnv(opts.shard);
      const markets = shard.count > 1 ? await marketsOfTask(warehouse, shard, labels) : undefined;
      if (markets) log.info('task markets', { task: shard.index, count: shard.count, markets });
      return {
        job, dataset, asOf, spec, specHash: specH, quality, log, store, warehouse, notifyUri: settings.notify, schema,
        inputs: { warehouse: warehouse.uri, tables, fingerprint }, latest, previous, warm, version, shard, markets,
        requests: featureRequests(asOf, spec, labels, markets),
        labels,
        producer: { package_version: PACKAGE_VERSION, git_sha: gitSha(), spec_hash: specH, job_name: job.name, run_id: journal.runId },
        close,
      };
    });
    journal.progress.finish(`version ${plan.version}`);
    return plan;
  } catch (err) {
    await close();
    throw err;
  }
}

/** The two feature queries of a run as of `asOf` (a task's bin of markets, or every market). */
export function featureRequests(asOf: AsOf, spec: ScoringSpec, labels: Record<string, string>, markets?: string[]): QueryRequest[] {
  const params = featureParams(asOf.date, {
    windowDays: spec.engagement.window_days,
    forecastDays: spec.engagement.forecast_days,
    halfLifeDays: spec.engagement.half_life_days,
    markets,
  });
  return FEATURE_QUERIES.map((name) => ({ name, sql: loadQuery(name), params, labels }));
}

/** No warehouse configured: the generated sample (reused when already on disk). */
async function defaultSample(asOf: AsOf, scale: number | undefined, journal: RunJournal, log: Logger): Promise<string> {
  journal.progress.start('sample');
  const sample = await journal.clock.time('sample', () => ensureDefaultSample(process.cwd(), asOf.date, { scale: scale ?? 1 }));
  journal.progress.finish(`${sample.created ? 'generated' : 'reused'} ${sample.dir}`);
  log.info(sample.created ? 'sample generated' : 'sample reused', { dir: sample.dir });
  return sample.uri;
}

function gitSha(): string {
  return process.env.PROMOSCORE_GIT_SHA ?? process.env.GIT_SHA ?? 'unknown';
}
