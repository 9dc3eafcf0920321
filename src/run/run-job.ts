import { InfraError, PromoscoreError } from '../core/errors.ts';
import type { Logger } from '../observability/log.ts';
import { checkNote, type Progress } from '../observability/progress.ts';
import { attachResult, RunJournal, type RunResult } from './journal.ts';
import { planRun, type RunPlan } from './plan.ts';
import { earlyExit } from './early-exits.ts';
import { extractAndValidate } from './extract.ts';
import { scoreInputs } from './score-inputs.ts';
import { gateOutput, GateFailure } from './output-gates.ts';
import { publishOrCommit } from './publish-or-commit.ts';
import type { ShardSpec } from './shard.ts';
import type { Warehouse } from '../warehouse/port.ts';

export type { RunResult, RunStatus } from './journal.ts';

export interface RunOptions {
  job?: string;
  asOf?: string;
  warehouse?: string;
  store?: string;
  notify?: string;
  dataset?: string;
  spec?: string;
  /** `key=value` job settings (--set), applied over the job file and environment */
  set?: string[];
  /** a new version id for the same inputs: republishes over an already published or rolled-back identity (gates still apply) */
  force?: boolean;
  dryRun?: boolean;
  shard?: ShardSpec;
  /** scale of the generated sample when no warehouse is configured */
  scale?: number;
  /** where the run result and HTML report go; null: none */
  reportDir?: string | null;
  /** publish an as-of older than LATEST's without moving LATEST (backfills) */
  behindLatest?: boolean;
  /** an open warehouse to run on instead of opening one by URI; the run leaves it open */
  warehouseHandle?: Warehouse;
  /** called after every publish step; tests inject crashes here */
  faults?: (step: string) => void | Promise<void>;
}

export interface RunUi {
  progress?: Progress;
}

/**
 * The whole job, once (docs/architecture.md, "Stages"): plan (with its early exits), extract and
 * input gates, score, output gates, publish or commit, report. Every outcome — published, no-op,
 * planned, failed at any stage — ends with a run result and a report; a failure's result travels
 * with its error (`resultOf`).
 */
export async function runJob(opts: RunOptions, log: Logger, ui: RunUi = {}): Promise<RunResult> {
  const journal = new RunJournal(log, ui.progress);
  let plan: RunPlan | undefined;
  try {
    plan = await planRun(opts, journal);
    const result = (await earlyExit(plan, opts, journal)) ?? (await produce(plan, opts, journal));
    return await report(opts, journal.log, result, journal);
  } catch (err) {
    const failure = err instanceof PromoscoreError ? err : new InfraError(`run failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    if (failure instanceof GateFailure) journal.gates.output = failure.results;
    const result = await report(opts, journal.log, journal.failed(failure, failure instanceof GateFailure ? failure.hint : undefined), journal);
    attachResult(failure, result);
    // the error is the run's last log line: it names the report, where the whole story is
    if (result.reportPath) failure.message += ` (report: ${result.reportPath})`;
    throw failure;
  } finally {
    journal.clock.stop();
    await plan?.close();
  }
}

/** Extract, validate, score and gate this process's rows (a sharded task's bin may be empty), then publish or commit. */
async function produce(plan: RunPlan, opts: RunOptions, journal: RunJournal): Promise<RunResult> {
  const hasRows = !plan.markets || plan.markets.length > 0;
  const inputs = hasRows ? await extractAndValidate(plan, journal) : null;
  const output = inputs ? await scoreInputs(plan, inputs, journal) : null;
  if (output) {
    const sharded = plan.shard.count > 1;
    journal.progress.start('gate');
    journal.gates.output = await journal.clock.time('gate', () =>
      gateOutput({ output, config: plan.quality, tolerance: plan.spec.allocation.tolerance, checks: { invariants: true, drift: sharded ? false : plan.previous } }),
    );
    journal.progress.finish(checkNote(journal.gates.output));
  }
  return publishOrCommit(plan, { inputs, output }, opts, journal);
}

async function report(opts: RunOptions, log: Logger, result: RunResult, journal: RunJournal): Promise<RunResult> {
  if (opts.reportDir === null || result.status === 'planned') return result;
  // loaded on use: a plan, a simulation or a --no-report run never draws a chart
  const { DEFAULT_REPORT_DIR, writeRunReport } = await import('./report.ts');
  return writeRunReport(opts.reportDir ?? DEFAULT_REPORT_DIR, result, journal, log);
}
