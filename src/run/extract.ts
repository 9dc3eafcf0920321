import type { Table } from 'apache-arrow';
import { runInputGates } from '../quality/input.ts';
import { checkNote } from '../observability/progress.ts';
import type { QueryResult } from '../warehouse/port.ts';
import type { TaskRecord } from './task-record.ts';
import type { RunJournal } from './journal.ts';
import type { RunPlan } from './plan.ts';

/**
 * Stage 2, extract and input gates (docs/architecture.md, "Stages"): the two feature queries, then every
 * input check against its policy (exit 3 on `fail`, rows dropped on `drop`). The schema gate already
 * ran in the plan; its results are carried, not rerun.
 */
export interface GatedInputs {
  candidates: Table;
  surfaces: Table;
  queries: TaskRecord['queries'];
}

/** What the stage needs of the plan (a run's plan, or scoreOnly's settings). */
export type ExtractPlan = Pick<RunPlan, 'warehouse' | 'requests' | 'log' | 'asOf' | 'quality' | 'schema'>;

export async function extractAndValidate(plan: ExtractPlan, journal: RunJournal): Promise<GatedInputs> {
  const { warehouse, requests, log } = plan;
  const { clock, progress } = journal;
  progress.start('extract');
  const [cand, surf] = await clock.time(
    'extract',
    async () => [await warehouse.query(requests[0]), await warehouse.query(requests[1])] as [QueryResult, QueryResult],
    (r) => r[0].table.numRows,
  );
  progress.finish(`${cand.table.numRows.toLocaleString('en-US')} candidate rows`);
  log.info('extracted', { candidates: cand.table.numRows, surfaces: surf.table.numRows, seconds: clock.stages[clock.stages.length - 1].seconds });
  const queries = [cand, surf].map((q, i) => ({ name: requests[i].name, job_id: q.jobId, rows: q.table.numRows, bytes_processed: q.bytesProcessed }));

  journal.gates.input = plan.schema;
  progress.start('validate');
  const gated = await clock.time('validate', () =>
    runInputGates({ warehouse, asOf: plan.asOf.date, candidates: cand.table, surfaces: surf.table, config: plan.quality, log, schema: plan.schema }),
  );
  journal.gates.input = gated.results;
  progress.finish(checkNote(gated.results));
  return { candidates: gated.candidates, surfaces: gated.surfaces, queries };
}
