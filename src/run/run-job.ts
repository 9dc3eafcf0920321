import { randomUUID } from 'node:crypto';
import { mkdir, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { canonicalJson, sha256Hex } from '../core/hash.ts';
import { InfraError, OutputGateError, PromoscoreError, UsageError } from '../core/errors.ts';
import type { Logger } from '../observability/log.ts';
import { checkNote, noProgress, type Progress } from '../observability/progress.ts';
import { StageClock, type StageTiming } from '../observability/stages.ts';
import { histogram, renderRunReport } from '../observability/report-html.ts';
import type { JobConfig } from '../config/job.ts';
import { resolveConfig } from '../config/resolve.ts';
import { loadSpec, specHash } from '../scoring/spec.ts';
import { score } from '../scoring/score.ts';
import { openWarehouse } from '../warehouse/open.ts';
import { featureParams, loadQuery } from '../warehouse/queries.ts';
import type { QueryResult, Warehouse } from '../warehouse/port.ts';
import { ensureDefaultSample } from '../cli/sample-data.ts';
import { openStore } from '../store/open.ts';
import { openNotifier } from '../notify/open.ts';
import { readLatest } from '../snapshot/read.ts';
import { versionId } from '../snapshot/version.ts';
import { finishPublished, publishSnapshot, type PublishResult } from '../snapshot/publish.ts';
import type { ScoreOutput } from '../scoring/stage.ts';
import { commitShardedRun, marketsOfTask, MissingTasksError, shardFromEnv, writeTaskOutput } from './sharded.ts';
import type { TaskRecord } from './task-record.ts';
import { isRolledBack } from '../snapshot/markers.ts';
import type { Manifest, QualityCheckResult } from '../snapshot/contract.ts';
import { paths } from '../snapshot/contract.ts';
import { QualityConfigSchema } from '../quality/config.ts';
import { runInputGates, runSchemaGate } from '../quality/input.ts';
import { runOutputGates } from '../quality/output.ts';
import { defaultAsOf, parseAsOf, type AsOf } from './as-of.ts';
import { latestManifest, warmStartSource } from './previous.ts';
import type { ShardSpec } from './shard.ts';

export interface RunOptions {
  job?: string;
  asOf?: string;
  warehouse?: string;
  store?: string;
  notify?: string;
  dataset?: string;
  spec?: string;
  force?: boolean;
  dryRun?: boolean;
  shard?: ShardSpec;
  /** scale of the generated sample when no warehouse is configured */
  scale?: number;
  /** where the HTML report goes; null: none */
  reportDir?: string | null;
  /** publish an as-of older than LATEST's without moving LATEST (backfills) */
  behindLatest?: boolean;
  /** an open warehouse to run on instead of opening one by URI; the run leaves it open */
  warehouseHandle?: Warehouse;
  /** called after every publish step; tests inject crashes here */
  faults?: (step: string) => void | Promise<void>;
}

export interface RunResult {
  /** task-written: a sharded task wrote its part; another task (or `promoscore commit`) publishes */
  status: 'published' | 'already-published' | 'planned' | 'task-written';
  dataset: string;
  version: string;
  asOf: string;
  rows: number;
  manifestUri: string;
  storeUri: string;
  warehouseUri?: string;
  runId: string;
  stages: StageTiming[];
  peakRssBytes: number;
  byMarketSurface: { market: string; surface: string; rows: number; promoted: number }[];
  promotedRows: number;
  reportPath?: string;
  dryRun?: { query: string; bytesProcessed: number }[];
  /** with dryRun: whether LATEST already names this version */
  alreadyPublished?: boolean;
  quality?: { input: QualityCheckResult[]; output: QualityCheckResult[] };
}

export interface RunUi {
  progress?: Progress;
}

const PACKAGE_VERSION = '0.1.0';

/** The whole job, once: plan, extract, validate, score, gate, write, notify, report (DESIGN.md, "One run"). */
export async function runJob(opts: RunOptions, baseLog: Logger, ui: RunUi = {}): Promise<RunResult> {
  const progress = ui.progress ?? noProgress;
  const clock = new StageClock();
  const runId = randomUUID();
  try {
    // ---- plan
    // flag > PROMOSCORE_* > job file > default, as for every command; a typo fails here at exit 2, naming the flag
    const config = resolveConfig(
      { job: opts.job, warehouse: opts.warehouse, store: opts.store, notify: opts.notify, dataset: opts.dataset },
      process.env,
      { qualitySchema: QualityConfigSchema },
    );
    const job: JobConfig = config.job;
    const dataset = config.dataset;
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(dataset)) {
      throw new UsageError(`--dataset: "${dataset}" must be 1-128 characters of letters, digits, _ . - (not starting with . or -)`);
    }
    const asOf: AsOf = opts.asOf ? parseAsOf(opts.asOf) : defaultAsOf(job.cadence);
    const log = baseLog.child({ run_id: runId, job: job.name, dataset, as_of: asOf.text });
    const spec = await loadSpec(opts.spec ?? job.spec);
    const specH = specHash(spec);
    const quality = QualityConfigSchema.parse(job.quality ?? {});

    let warehouseUri = opts.warehouseHandle?.uri ?? config.warehouse;
    if (!warehouseUri) {
      progress.start('sample');
      const sample = await ensureDefaultSample(process.cwd(), asOf.date, { scale: opts.scale ?? 1 });
      progress.finish(`${sample.created ? 'generated' : 'reused'} ${sample.dir}`);
      log.info(sample.created ? 'sample generated' : 'sample reused', { dir: sample.dir });
      warehouseUri = sample.uri;
    }
    const storeUri = config.store;
    const notifyUri = config.notify;
    const store = await openStore(storeUri);
    const warehouse = opts.warehouseHandle ?? await openWarehouse(warehouseUri, {
      jobName: job.name,
      runId,
      location: job.bigquery.location,
      maximumBytesBilled: job.bigquery.maximum_bytes_billed,
      scratchDataset: job.bigquery.scratch_dataset,
      labels: job.bigquery.labels,
      log,
      // the embedded engine's own budget: without it DuckDB takes up to 80% of RAM for the aggregation,
      // and the run's peak is DuckDB's plus the Arrow tables'
      memoryLimit: process.env.PROMOSCORE_DUCKDB_MEMORY_LIMIT ?? '700MB',
    });
    try {
      // schema, types and id sanity before anything reads the tables in bulk: bad input is exit 3, named.
      // A plan runs no query at all (on BigQuery, a plan is dry-run jobs only: nothing billed).
      progress.start('plan');
      if (!opts.dryRun) await runSchemaGate({ warehouse, log, config: quality });
      const inputs = await clock.time('plan', () => warehouse.describeInputs());
      const inputFingerprint = sha256Hex(canonicalJson(inputs));
      const latest = await readLatest(store, dataset);
      const previous = await latestManifest(store, dataset, latest, log);
      const warm = await warmStartSource(store, dataset, asOf.text, previous);
      const version = versionId({ dataset, asOf: asOf.text, specHash: specH, inputFingerprint, force: opts.force, warmStartFrom: warm?.version ?? null });
      log.info('planned', { version, warehouse: warehouse.uri, store: store.uri, spec_hash: specH, warm_start_from: warm?.version ?? null });
      progress.finish(`version ${version}`);

      if (!opts.force && !opts.dryRun && (await isRolledBack(store, dataset, version))) {
        // a known-bad output: the same gate failure every time until the inputs change or someone forces it
        throw new OutputGateError(
          `version ${version} of ${dataset} was rolled back; rerunning the same inputs would bring it back: pass --force to publish anyway`,
        );
      }
      const labels = { job: job.name, run_id: runId, as_of: asOf.text };
      const shard = shardFromEnv(opts.shard);
      const sharded = shard.count > 1;
      const markets = sharded ? await clock.time('bins', () => marketsOfTask(warehouse, shard, labels)) : undefined;
      if (sharded) log.info('task markets', { task: shard.index, count: shard.count, markets });
      const params = featureParams(asOf.date, { windowDays: spec.engagement.window_days, forecastDays: spec.engagement.forecast_days, markets });
      const requests = ['candidates', 'surfaces'].map((name) => ({ name, sql: loadQuery(name), params, labels }));
      if (opts.dryRun) {
        const dry = await Promise.all(requests.map((r) => warehouse.dryRun(r)));
        return finish(clock, {
          status: 'planned', dataset, version, asOf: asOf.text, rows: 0,
          manifestUri: store.uriOf(paths.manifest(dataset, version)), storeUri: store.uri, runId,
          byMarketSurface: [], promotedRows: 0, alreadyPublished: latest?.pointer.version === version, warehouseUri: warehouse.uri,
          dryRun: dry.map((d) => ({ query: d.name, bytesProcessed: d.bytesProcessed })),
        });
      }

      if (latest?.pointer.version === version) {
        // LATEST names us: nothing to compute, but a run killed after the swap may not have announced
        // it yet, so the announcement is finished here (at least once, deduped by the _notified marker)
        const notifier = await openNotifier(notifyUri);
        let done: PublishResult;
        try {
          done = await finishPublished({ store, notifier, dataset, version, log, faults: opts.faults });
        } finally {
          await notifier.close();
        }
        const m = done.manifest;
        log.notice('run finished', { status: 'already-published', version, rows: m.stats.rows, notified: done.notified });
        return finish(clock, {
          status: 'already-published', dataset, version, asOf: asOf.text, rows: m.stats.rows,
          manifestUri: store.uriOf(paths.manifest(dataset, version)), storeUri: store.uri, runId,
          byMarketSurface: m.stats.by_market_surface, promotedRows: m.stats.promoted_rows,
        });
      }

      const producer = { package_version: PACKAGE_VERSION, git_sha: gitSha(), spec_hash: specH, job_name: job.name, run_id: runId };

      let scored: ScoreOutput | null = null;
      let queries: TaskRecord['queries'] = [];
      let inputResults: QualityCheckResult[] = [];
      let outputResults: QualityCheckResult[] = [];
      // a task whose bin is empty (more tasks than markets) has nothing to extract, but still reports done
      if (!sharded || markets!.length > 0) {
        // ---- extract
        progress.start('extract');
        const [cand, surf] = await clock.time(
          'extract',
          async () => [await warehouse.query(requests[0]), await warehouse.query(requests[1])] as [QueryResult, QueryResult],
          (r) => r[0].table.numRows,
        );
        progress.finish(`${cand.table.numRows.toLocaleString('en-US')} candidate rows`);
        log.info('extracted', { candidates: cand.table.numRows, surfaces: surf.table.numRows, seconds: last(clock).seconds });
        queries = [cand, surf].map((q, i) => ({ name: requests[i].name, job_id: q.jobId, rows: q.table.numRows, bytes_processed: q.bytesProcessed }));

        // ---- validate inputs
        progress.start('validate');
        const gated = await clock.time('validate', () =>
          runInputGates({ warehouse, asOf: asOf.date, candidates: cand.table, surfaces: surf.table, config: quality, log }),
        );
        inputResults = gated.results;
        progress.finish(checkNote(inputResults));

        // ---- score
        progress.start('score', gated.candidates.numRows);
        const out = await clock.time(
          'score',
          () => score({ candidates: gated.candidates, surfaces: gated.surfaces }, spec, { asOf: asOf.date, seed: `${dataset}|${asOf.text}|${specH}`, warmStart: warm?.allocation }),
          (r) => r.table.numRows,
        );
        scored = out;
        progress.finish(`gap ${out.allocation.certificate.gap.toExponential(2)}`);

        // ---- validate outputs (a task checks invariants; drift needs every market and waits for the commit)
        progress.start('gate');
        outputResults = await clock.time('gate', () =>
          runOutputGates({ output: out, previous: sharded ? null : previous, config: quality, tolerance: spec.allocation.tolerance }),
        );
        progress.finish(checkNote(outputResults));
      }

      // ---- write, swap, notify
      const notifier = await openNotifier(notifyUri);
      progress.start('publish');
      let published: PublishResult;
      try {
        if (sharded) {
          const taskTable = scored?.table ?? null;
          const r = await clock.time('write', () =>
            writeTaskOutput({
              store, dataset, version, asOf: asOf.text, shard, markets: markets!, table: taskTable, buckets: job.buckets,
              record: {
                queries, quality_input: inputResults, run_id: runId, producer,
                allocation: scored?.allocation ?? { tolerance: spec.allocation.tolerance, certificate: { primal: 0, dual_bound: 0, gap: 0, max_violation: 0 }, markets: [] },
                inputs: { warehouse: warehouse.uri, tables: inputs, fingerprint: inputFingerprint },
              },
              faults: opts.faults, log,
            }),
            (rec) => rec.rows,
          );
          void outputResults;
          try {
            published = await clock.time('commit', () => commitShardedRun({ store, notifier, dataset, version, count: shard.count, quality, faults: opts.faults, log }));
          } catch (err) {
            if (!(err instanceof MissingTasksError)) throw err;
            progress.finish('task done, commit left to the last task');
            log.notice('task output complete; the commit waits for the other tasks', { task: shard.index, count: shard.count, detail: err.message });
            return finish(clock, {
              status: 'task-written', dataset, version, asOf: asOf.text, rows: r.rows,
              manifestUri: store.uriOf(paths.manifest(dataset, version)), storeUri: store.uri, runId,
              byMarketSurface: [], promotedRows: 0,
            });
          }
        } else {
          const out = scored!;
          published = await clock.time(
            'publish',
            () =>
              publishSnapshot({
                store, notifier, dataset, version, asOf: asOf.text, table: out.table, buckets: job.buckets, log, faults: opts.faults,
                behindLatest: opts.behindLatest,
                manifest: {
                  producer,
                  inputs: { warehouse: warehouse.uri, tables: inputs, queries, fingerprint: inputFingerprint },
                  quality: { input: inputResults, output: outputResults },
                  allocation: out.allocation,
                  previous_version: latest?.pointer.version ?? null,
                },
              }),
            () => out.table.numRows,
          );
        }
      } finally {
        await notifier.close();
      }
      progress.finish(published.status);
      const m = published.manifest;
      const result: Omit<RunResult, 'stages' | 'peakRssBytes'> = {
        status: published.status === 'already-published' ? 'already-published' : 'published',
        dataset, version, asOf: asOf.text, rows: m.stats.rows,
        manifestUri: store.uriOf(paths.manifest(dataset, version)), storeUri: store.uri, runId,
        byMarketSurface: m.stats.by_market_surface, promotedRows: m.stats.promoted_rows,
        quality: m.quality,
      };
      // ---- report (of this process's rows: the whole snapshot unsharded, the committing task's share otherwise)
      if (opts.reportDir !== null && scored) {
        result.reportPath = await writeReport(opts.reportDir ?? '.promoscore/reports', result, scored.table, m, clock);
      }
      log.notice('run finished', { status: result.status, version, rows: result.rows, seconds: clock.totalSeconds });
      return finish(clock, result);
    } finally {
      if (!opts.warehouseHandle) await warehouse.close();
      await store.close?.();
    }
  } catch (err) {
    clock.stop();
    if (err instanceof PromoscoreError) throw err;
    throw new InfraError(`run failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}

function last(clock: StageClock): StageTiming {
  return clock.stages[clock.stages.length - 1];
}

function finish(clock: StageClock, r: Omit<RunResult, 'stages' | 'peakRssBytes'> & Partial<RunResult>): RunResult {
  const peak = clock.peakRssBytes;
  clock.stop();
  return { ...r, stages: clock.stages, peakRssBytes: peak };
}

let cachedSha: string | undefined;
function gitSha(): string {
  if (cachedSha !== undefined) return cachedSha;
  cachedSha = process.env.PROMOSCORE_GIT_SHA ?? process.env.GIT_SHA ?? 'unknown';
  return cachedSha;
}

async function writeReport(dir: string, r: Omit<RunResult, 'stages' | 'peakRssBytes'>, table: Table, m: Manifest, clock: StageClock): Promise<string> {
  const share = table.getChild('share')!.toArray() as Float64Array;
  const promoted = (i: number) => share[i] > 0;
  const html = renderRunReport({
    dataset: r.dataset, version: r.version, asOf: r.asOf, status: r.status, runId: r.runId, createdAt: m.created_at,
    rows: r.rows, promotedRows: r.promotedRows, peakRssBytes: clock.peakRssBytes, stages: clock.stages,
    byMarketSurface: m.stats.by_market_surface,
    scoreHistogram: histogram(table.getChild('score')!.toArray() as Float32Array, 40, promoted),
    boostHistogram: histogram(table.getChild('boost')!.toArray() as Float32Array, 40, promoted),
    allocation: m.allocation,
    quality: m.quality,
  });
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${r.dataset}-${r.version}.html`);
  await writeFile(file + '.tmp', html);
  await rename(file + '.tmp', file);
  return file;
}
