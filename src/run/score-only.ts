import type { Table } from 'apache-arrow';
import type { Logger } from '../observability/log.ts';
import { runSchemaGate } from '../quality/input.ts';
import type { AllocationSection } from '../snapshot/contract.ts';
import type { StageTiming } from '../observability/stages.ts';
import type { Warehouse } from '../warehouse/port.ts';
import { parseAsOf } from './as-of.ts';
import { extractAndValidate } from './extract.ts';
import { RunJournal, type GateResults } from './journal.ts';
import { gateOutput } from './output-gates.ts';
import { featureRequests, jobRules, resolveSettings } from './plan.ts';
import { scoreInputs } from './score-inputs.ts';

/**
 * The job's computation without its publication (docs/architecture.md, "Scoring without
 * publishing"): the same settings, schema gate, extraction and input gates, scoring (same seed) and
 * output invariants as runJob, by the same stage functions, on a warehouse the caller holds. What
 * it leaves out is everything that needs a store: the version identity (so no input fingerprint),
 * the drift gate against the previous version, the publish and the report. The warm start is the
 * caller's to hand in, as the allocation runJob would find in the version it warm-starts from.
 * The simulator's baselines use it: they replace the job's shares anyway (docs/evaluation.md).
 */
export interface ScoreOnlyOptions {
  job?: string;
  /** `key=value` job settings, as runJob's --set */
  set?: string[];
  spec?: string;
  asOf: string;
  dataset?: string;
  warehouse: Warehouse;
  /** the allocation to warm-start the solver from; null or absent: a cold start */
  warmStart?: AllocationSection | null;
}

export interface ScoredRun {
  /** the scoring output: snapshot columns, then diagnostics, in the job's row order */
  table: Table;
  allocation: AllocationSection;
  /** the job's snapshot bucket count (where a publish would store each row) */
  buckets: number;
  gates: GateResults;
  stages: StageTiming[];
}

/** Throws as runJob would: InputDataError (exit 3) from the input gates, GateFailure (exit 4) from the invariants. */
export async function scoreOnly(opts: ScoreOnlyOptions, log: Logger): Promise<ScoredRun> {
  const settings = resolveSettings({ job: opts.job, set: opts.set, dataset: opts.dataset });
  const { job, dataset } = settings;
  const asOf = parseAsOf(opts.asOf);
  const { spec, specHash, quality } = jobRules(job, opts.spec);
  const journal = new RunJournal(log);
  try {
    const warehouse = opts.warehouse;
    const labels = { job: job.name, run_id: journal.runId, as_of: asOf.text };
    const schema = await journal.clock.time('plan', () => runSchemaGate({ warehouse, log, config: quality }));
    const plan = {
      warehouse, log, asOf, quality, schema, spec, dataset, specHash,
      requests: featureRequests(asOf, spec, labels),
      warm: opts.warmStart ? { allocation: opts.warmStart } : null,
    };
    const inputs = await extractAndValidate(plan, journal);
    const output = await scoreInputs(plan, inputs, journal);
    journal.gates.output = await journal.clock.time('gate', () =>
      gateOutput({ output, config: quality, tolerance: spec.allocation.tolerance, checks: { invariants: true, drift: false } }),
    );
    return { table: output.table, allocation: output.allocation, buckets: job.buckets, gates: journal.gates, stages: journal.clock.stages };
  } finally {
    journal.clock.stop();
  }
}
