import { randomUUID } from 'node:crypto';
import type { Table } from 'apache-arrow';
import { exitCodeOf } from '../core/errors.ts';
import type { Logger } from '../observability/log.ts';
import { noProgress, type Progress } from '../observability/progress.ts';
import { StageClock, type StageTiming } from '../observability/stages.ts';
import type { AllocationSection, Manifest, QualityCheckResult } from '../snapshot/contract.ts';
import { snapshotStats } from '../snapshot/manifest.ts';

/**
 * What one run has learned so far, written by each stage as it goes: identity, gate results, the
 * scored rows, the manifest. Whatever the outcome (published, no-op, planned, failed at any stage),
 * the run's result and report are made from it (docs/architecture.md, "Run result and report").
 */
export type RunStatus = 'published' | 'already-published' | 'planned' | 'task-written' | 'failed';

export interface GateResults {
  input: QualityCheckResult[];
  output: QualityCheckResult[];
}

export interface RunResult {
  /** task-written: a sharded task wrote its part; another task (or `promoscore commit`) publishes */
  status: RunStatus;
  exitCode: number;
  /** failed runs: the one-line error, and the way through when there is one (a --set to rerun with) */
  error?: string;
  hint?: string;
  dataset: string;
  version: string;
  asOf: string;
  /** the version LATEST named before this run (the drift baseline) */
  previousVersion: string | null;
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
  resultPath?: string;
  dryRun?: { query: string; bytesProcessed: number }[];
  /** with dryRun: whether a run would be a no-op (the same rule the run applies) */
  alreadyPublished?: boolean;
  /** with dryRun: the gates a plan can already evaluate (row-count drift from the count query) */
  predictedGates?: QualityCheckResult[];
  quality?: GateResults;
}

export class RunJournal {
  readonly runId = randomUUID();
  readonly clock = new StageClock();
  readonly startedAt = new Date();
  dataset = '';
  asOf = '';
  version = '';
  storeUri = '';
  manifestUri = '';
  warehouseUri?: string;
  previous: Manifest | null = null;
  readonly gates: GateResults = { input: [], output: [] };
  /** this process's scored rows: the whole snapshot unsharded, a task's share otherwise */
  table: Table | null = null;
  allocation: AllocationSection | null = null;
  manifest: Manifest | null = null;
  dryRun?: RunResult['dryRun'];
  alreadyPublished?: boolean;
  predictedGates?: QualityCheckResult[];

  readonly log: Logger;
  readonly progress: Progress;

  constructor(log: Logger, progress: Progress = noProgress) {
    this.log = log;
    this.progress = progress;
  }

  /** The run's result with this status; stops the clock. */
  result(status: Exclude<RunStatus, 'failed'>): RunResult {
    return this.build(status, 0);
  }

  failed(err: unknown, hint?: string): RunResult {
    return { ...this.build('failed', exitCodeOf(err)), error: (err as Error)?.message ?? String(err), ...(hint ? { hint } : {}) };
  }

  private build(status: RunStatus, exitCode: number): RunResult {
    const m = this.manifest;
    // without a manifest (a failed gate, a task's part) the counts are this process's scored rows
    const stats = m?.stats ?? (this.table ? snapshotStats(this.table) : null);
    const peak = this.clock.peakRssBytes;
    this.clock.stop();
    return {
      status, exitCode, dataset: this.dataset, version: this.version, asOf: this.asOf,
      previousVersion: this.previous?.version ?? null,
      rows: stats?.rows ?? 0, promotedRows: stats?.promoted_rows ?? 0, byMarketSurface: stats?.by_market_surface ?? [],
      manifestUri: this.manifestUri, storeUri: this.storeUri, ...(this.warehouseUri ? { warehouseUri: this.warehouseUri } : {}),
      runId: this.runId, stages: this.clock.stages, peakRssBytes: peak,
      ...(this.dryRun ? { dryRun: this.dryRun, alreadyPublished: this.alreadyPublished, predictedGates: this.predictedGates ?? [] } : {}),
      ...(m || this.gates.input.length || this.gates.output.length ? { quality: m?.quality ?? this.gates } : {}),
    };
  }
}

/** A failed run's result travels with its error, so the CLI can print it (`run --json`). */
const failures = new WeakMap<object, RunResult>();
export function attachResult(err: unknown, r: RunResult): void {
  if (err !== null && typeof err === 'object') failures.set(err, r);
}
export function resultOf(err: unknown): RunResult | undefined {
  return err !== null && typeof err === 'object' ? failures.get(err) : undefined;
}

/** The result as scripts read it (`run --json`, the result file): snake_case, paths spelled out. */
export function runResultJson(r: RunResult): Record<string, unknown> {
  return {
    status: r.status,
    exit_code: r.exitCode,
    ...(r.error ? { error: r.error } : {}),
    ...(r.hint ? { hint: r.hint } : {}),
    dataset: r.dataset || null,
    as_of: r.asOf || null,
    version: r.version || null,
    previous_version: r.previousVersion,
    run_id: r.runId,
    rows: r.rows,
    promoted_rows: r.promotedRows,
    seconds: Number(r.stages.reduce((s, x) => s + x.seconds, 0).toFixed(3)),
    peak_rss_bytes: r.peakRssBytes,
    stages: r.stages.map((s) => ({ stage: s.stage, seconds: Number(s.seconds.toFixed(3)), ...(s.rows !== undefined ? { rows: s.rows } : {}), ...(s.failed ? { failed: true } : {}) })),
    gates: r.quality ?? { input: [], output: [] },
    ...(r.dryRun
      ? {
          already_published: r.alreadyPublished === true,
          predicted_gates: r.predictedGates ?? [],
          queries: r.dryRun.map((d) => ({ query: d.query, bytes_processed: d.bytesProcessed })),
        }
      : {}),
    by_market_surface: r.byMarketSurface,
    paths: {
      report: r.reportPath ?? null,
      result: r.resultPath ?? null,
      manifest: r.manifestUri || null,
      store: r.storeUri || null,
      warehouse: r.warehouseUri ?? null,
    },
  };
}
