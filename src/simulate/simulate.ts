/**
 * `simulate`: a world that answers back (docs/evaluation.md). Every simulated day, for every
 * policy that has a job: the real job (runJob, the same spec and SQL) runs on a spec policy's world
 * as of the day and publishes to the policy's own store, and the world reads the published snapshot
 * through the snapshot contract; a baseline's job computes the same way without publishing
 * (scoreOnly) and hands its rows over. The policy decides its boosts from them, the world serves the day,
 * draws outcomes from the truth and appends them to that policy's engagement_daily, so the next
 * day's features carry the consequences.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { InputDataError, OutputGateError, UsageError } from '../core/errors.ts';
import { silentLogger } from '../observability/log.ts';
import { runJob } from '../run/run-job.ts';
import { scoreOnly } from '../run/score-only.ts';
import { generateSample } from '../sample/generate.ts';
import { SAMPLE_SURFACES } from '../sample/markets.ts';
import { loadSpec, type ScoringSpec } from '../scoring/spec.ts';
import { openStore } from '../store/open.ts';
import type { ObjectStore } from '../store/port.ts';
import { seedOf } from './draws.ts';
import { SimulationEngine, type PolicyCatalog } from './engine.ts';
import { PolicyMetrics, type DayRecord, type PolicySummary } from './metrics.ts';
import { allocateRows, drawOutcomes } from './outcomes.ts';
import { greedyShares, oracleShares, uniformShares, type PolicyParams } from './policies.ts';
import { readPublished, rowsOfOutput, type PublishedRows } from './read-published.ts';
import { serveDay, type Served } from './serve.ts';
import { dateOf } from '../core/dates.ts';
import { HISTORY_DAYS, buildWorld, dayTruth, type DayTruth, type World, type WorldOptions } from './world.ts';

export const BASELINES = ['uniform', 'greedy', 'none', 'oracle'] as const;
export const DEFAULT_SPEC = 'specs/default.yaml';
const DATASET = 'simulated';

export interface SimulateOptions extends WorldOptions {
  /** spec files; the first is `spec`, the others `spec:<file name>` */
  specs: string[];
  /** which baselines to run (default all) */
  baselines?: readonly string[];
  /** where stores and the sample go (default a temp directory, removed afterwards) */
  workDir?: string;
  /** jobs run at once (default 2); each policy runs its days in order, side by side with the others */
  concurrency?: number;
  onDay?: (t: number, days: number, seconds: number) => void;
}

export interface SimulationResult {
  world: {
    seed: string;
    scale: number;
    days: number;
    start: string;
    promoted_penalty: number;
    drift: number;
    cold_start_share: number | null;
  };
  policies: Record<string, PolicySummary>;
  daily: Record<string, DayRecord[]>;
  seconds: { total: number; sample: number; jobs: number; world: number };
}

interface Policy {
  name: string;
  kind: 'spec' | 'uniform' | 'greedy' | 'none' | 'oracle';
  specPath: string;
  catalog: PolicyCatalog | null;
  /** spec policies publish here and the world reads from here; baselines have no store */
  store: ObjectStore | null;
  storeUri: string;
  metrics: PolicyMetrics;
  job: string;
  /** a baseline's last job output that passed its gates, what the world serves from */
  scored: PublishedRows | null;
}

function policyNames(specs: string[]): string[] {
  const names = specs.map((s, i) => (i === 0 ? 'spec' : `spec:${basename(s).replace(/\.ya?ml$/, '')}`));
  if (new Set(names).size !== names.length) throw new UsageError(`--spec: two specs share a file name (${specs.join(', ')})`);
  return names;
}

/** At most `limit` holders at once, served in the order they asked. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(limit: number) {
    this.free = Math.max(1, limit);
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** A value one chain produces and another awaits. */
class Deferred<T> {
  resolve!: (value: T) => void;
  reject!: (err: unknown) => void;
  readonly promise = new Promise<T>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
  constructor() {
    // a rejection nobody awaits (no uniform policy) is not an unhandled one
    this.promise.catch(() => undefined);
  }
}

export async function simulate(opts: SimulateOptions): Promise<SimulationResult> {
  const t0 = performance.now();
  if (!opts.specs.length) throw new UsageError('--spec: at least one spec is needed');
  const specs: ScoringSpec[] = opts.specs.map((s) => loadSpec(s));
  const main = specs[0];
  const params: PolicyParams = {
    maxBoost: main.allocation.max_boost,
    skipTolerance: main.allocation.skip_tolerance,
    saveWeight: main.value.save_weight,
    commissionWeight: main.value.commission_weight,
  };
  const baselines = opts.baselines ?? BASELINES;
  for (const b of baselines) if (!(BASELINES as readonly string[]).includes(b)) throw new UsageError(`--policies: unknown policy "${b}" (expected ${BASELINES.join(', ')})`);

  const ownDir = !opts.workDir;
  // stores fsync every object they write: on a memory file system that costs nothing
  const workDir = opts.workDir ?? mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'promoscore-simulate-'));
  mkdirSync(workDir, { recursive: true });
  // the job as deployed, with few buckets: a snapshot of a simulated world is small, and the
  // bucket count changes where rows are stored, never what they say
  const jobFile = join(workDir, 'job.yaml');
  writeFileSync(jobFile, 'name: simulate\ncadence: daily\nbuckets: 2\n');
  let engine: SimulationEngine | null = null;
  const policies: Policy[] = [];
  // the temp directory lives in memory: an interrupted simulation must not leave it behind
  const interrupted = (signal: NodeJS.Signals) => {
    if (ownDir) rmSync(workDir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const ts = performance.now();
    const sampleDir = join(workDir, 'sample');
    await generateSample({ outDir: sampleDir, scale: opts.scale, seed: opts.seed, asOf: opts.start, days: HISTORY_DAYS, coldStartShare: opts.coldStartShare });
    const world = buildWorld(opts);
    engine = await SimulationEngine.open(sampleDir, { tracks: world.model.trackIds, markets: world.model.markets });
    for (const [market, surface, daily, share] of await engine.rows('SELECT market, surface, daily_impressions, max_promoted_share FROM world.main.surface_capacity')) {
      const mi = world.marketIndex.get(String(market));
      const si = (SAMPLE_SURFACES as readonly string[]).indexOf(String(surface));
      if (mi === undefined || si < 0) continue;
      world.dailyImpressions[mi * 3 + si] = Number(daily);
      world.maxPromotedShare[mi * 3 + si] = Number(share);
    }
    const sampleSeconds = (performance.now() - ts) / 1000;

    const names = policyNames(opts.specs);
    const kinds: [string, Policy['kind'], string][] = [
      ...names.map((n, i) => [n, 'spec', opts.specs[i]] as [string, Policy['kind'], string]),
      ...baselines.map((b) => [b, b as Policy['kind'], opts.specs[0]] as [string, Policy['kind'], string]),
    ];
    for (const [name, kind, specPath] of kinds) {
      const hasJob = kind !== 'none';
      const publishes = kind === 'spec';
      const storeDir = join(workDir, 'stores', name.replace(/[^A-Za-z0-9_-]/g, '_'));
      const storeUri = `file://${storeDir}`;
      policies.push({
        name,
        kind,
        specPath,
        catalog: hasJob ? await engine.addPolicy(name) : null,
        store: publishes ? await openStore(storeUri) : null,
        storeUri,
        metrics: new PolicyMetrics(name, world, { maxBoost: main.allocation.max_boost, minTrackAgeDays: main.eligibility.min_track_age_days }),
        job: 'none',
        scored: null,
      });
    }

    const seed = seedOf(`${opts.seed}|world`);
    // Each policy is a chain of days (its job, then the world serving it, then its outcomes appended
    // for its next job), and chains run side by side: a policy's day needs only its own previous
    // day, except `uniform`, which matches the spec's harm of the same day. So one policy's world
    // step overlaps another's job, and at most `concurrency` jobs run at once. Every draw is a hash
    // of (seed, day, key), so the order chains interleave in changes nothing they compute.
    const slots = new Slots(opts.concurrency ?? 2);
    const truths = new Map<number, { truth: DayTruth; left: number }>();
    const truthOf = (t: number): DayTruth => {
      let e = truths.get(t);
      if (!e) truths.set(t, (e = { truth: dayTruth(world, t), left: policies.length }));
      return e.truth;
    };
    const specExcess = Array.from({ length: opts.days }, () => new Deferred<Float64Array>());
    const daysDone = new Int32Array(opts.days);
    let jobSeconds = 0;
    let worldSeconds = 0;
    const chain = async (p: Policy): Promise<void> => {
      const rowsBuffer = p.catalog ? allocateRows(2 * world.nKeys) : null;
      for (let t = 0; t < opts.days; t++) {
        const asOf = dateOf(world.startDay + t);
        if (p.catalog) {
          await slots.acquire();
          const tj = performance.now();
          try {
            p.job = p.store ? await runPolicyJob(p, asOf, workDir, jobFile) : await scorePolicy(p, asOf, jobFile, world);
          } finally {
            jobSeconds += (performance.now() - tj) / 1000;
            slots.release();
          }
        }
        const rows = p.store ? await readPublished(p.store, DATASET, world) : p.scored;
        const excess = p.kind === 'uniform' ? await specExcess[t].promise : null;
        const tw = performance.now();
        const truth = truthOf(t);
        const rowIntent = rows ? decide(p, rows, world, truth, params, excess) : null;
        const intent = new Float64Array(world.nKeys);
        if (rows && rowIntent) for (let r = 0; r < rows.n; r++) if (rowIntent[r] > 0 && rows.key[r] >= 0) intent[rows.key[r]] += rowIntent[r];
        const served = serveDay(world, truth, intent, seed);
        p.metrics.addDay(truth, served, rows, rowIntent, params.skipTolerance, p.catalog ? p.job : 'none', p.kind === 'spec');
        if (p.name === 'spec') specExcess[t].resolve(excessByGroup(world, truth, served));
        const out = rowsBuffer ? drawOutcomes(world, truth, served, seed, rowsBuffer) : null;
        const e = truths.get(t)!;
        if (--e.left === 0) truths.delete(t);
        worldSeconds += (performance.now() - tw) / 1000;
        if (out) await engine!.append(p.catalog!, out);
        if (++daysDone[t] === policies.length) opts.onDay?.(t, opts.days, (performance.now() - t0) / 1000);
      }
    };
    await Promise.all(policies.map((p) => chain(p).catch((err: unknown) => {
      // a failed chain must not leave `uniform` waiting on a spec day that will never come
      for (const d of specExcess) d.reject(err);
      throw err;
    })));
    return {
      world: {
        seed: opts.seed,
        scale: opts.scale,
        days: opts.days,
        start: opts.start,
        promoted_penalty: opts.promotedPenalty,
        drift: opts.drift,
        cold_start_share: opts.coldStartShare ?? null,
      },
      policies: Object.fromEntries(policies.map((p) => [p.name, p.metrics.summary()])),
      daily: Object.fromEntries(policies.map((p) => [p.name, p.metrics.daily])),
      seconds: { total: (performance.now() - t0) / 1000, sample: sampleSeconds, jobs: jobSeconds, world: worldSeconds },
    };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    for (const p of policies) await p.store?.close?.();
    await engine?.close();
    if (ownDir) rmSync(workDir, { recursive: true, force: true });
  }
}

/** The job of one policy for one day; a gate that stops the publish leaves the previous snapshot served. */
async function runPolicyJob(p: Policy, asOf: string, workDir: string, job: string): Promise<string> {
  try {
    const r = await runJob(
      {
        job,
        asOf,
        spec: p.specPath,
        store: p.storeUri,
        notify: `file://${join(workDir, 'outbox', `${p.name.replace(/[^A-Za-z0-9_-]/g, '_')}.ndjson`)}`,
        dataset: DATASET,
        reportDir: null,
        warehouseHandle: p.catalog!.warehouse,
      },
      silentLogger,
    );
    if (process.env.PROMOSCORE_SIM_STAGES) process.stderr.write(`${p.name} ${asOf} ${r.stages.map((s) => `${s.stage}=${s.seconds.toFixed(2)}`).join(' ')}\n`);
    return r.status;
  } catch (err) {
    // what production would do: keep serving the last good snapshot; the day records why
    if (err instanceof OutputGateError || err instanceof InputDataError) return `kept previous: ${err.message.slice(0, 200)}`;
    throw err;
  }
}

/**
 * A baseline's job for one day: the job's computation without its publish (scoreOnly), warm-started
 * from its last output as runJob would be from its last published version. A gate that stops it
 * leaves the previous output served, as for the spec's job.
 */
async function scorePolicy(p: Policy, asOf: string, job: string, w: World): Promise<string> {
  try {
    const out = await scoreOnly({ job, asOf, spec: p.specPath, dataset: DATASET, warehouse: p.catalog!.warehouse, warmStart: p.scored?.allocation }, silentLogger);
    if (process.env.PROMOSCORE_SIM_STAGES) process.stderr.write(`${p.name} ${asOf} ${out.stages.map((s) => `${s.stage}=${s.seconds.toFixed(2)}`).join(' ')}\n`);
    p.scored = rowsOfOutput(out.table, out.allocation, out.buckets, w);
    // the world serves it as it serves a published snapshot: the day counts as published
    return 'published';
  } catch (err) {
    if (err instanceof OutputGateError || err instanceof InputDataError) return `kept previous: ${err.message.slice(0, 200)}`;
    throw err;
  }
}

/** Row shares as boost − 1: the spec serves what it published; the baselines decide from it. */
function decide(p: Policy, rows: PublishedRows, w: World, truth: DayTruth, params: PolicyParams, specExcess: Float64Array | null): Float64Array {
  const room = params.maxBoost - 1;
  let x: Float64Array;
  switch (p.kind) {
    case 'spec': {
      const out = new Float64Array(rows.n);
      for (let r = 0; r < rows.n; r++) out[r] = Math.max(0, rows.boost[r] - 1);
      return out;
    }
    case 'uniform':
      x = uniformShares(w, rows, truth, params, specExcess ?? new Float64Array(w.nGroups));
      break;
    case 'greedy':
      x = greedyShares(w, rows, params);
      break;
    case 'oracle':
      x = oracleShares(w, rows, truth, params, rows.allocation.tolerance);
      break;
    default:
      return new Float64Array(rows.n);
  }
  for (let r = 0; r < rows.n; r++) x[r] *= room;
  return x;
}

/** True promoted skips above the surface's organic rate, per group: the harm `uniform` matches. */
function excessByGroup(w: World, truth: DayTruth, served: Served): Float64Array {
  const e = new Float64Array(w.nGroups);
  for (let i = 0; i < w.nKeys; i++) {
    const p = served.promotedMean[i];
    if (p > 0) e[w.group[i]] += p * (truth.pSkip[i] - truth.meanSkip[w.group[i]]);
  }
  return e;
}
