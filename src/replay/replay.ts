/**
 * `promoscore replay` (docs/evaluation.md, "Replay"): for each as-of d, the job's own plan, extract,
 * input gates and score() as of d (features from before d only, the same spec and seed the job
 * uses) give the replayed allocation; the warehouse's engagement in [d, d+h) and the snapshots
 * served on those days give the log; the estimators (pure, in this folder) value the allocation.
 */
import { dateOf, dayNumber } from '../core/dates.ts';
import { InputDataError, UsageError } from '../core/errors.ts';
import type { Logger } from '../observability/log.ts';
import { extractAndValidate } from '../run/extract.ts';
import { RunJournal } from '../run/journal.ts';
import type { RunOptions } from '../run/run-job.ts';
import { planRun, resolveSettings } from '../run/plan.ts';
import { scoreInputs } from '../run/score-inputs.ts';
import { numericColumn, stringColumn } from '../scoring/kernels/columns.ts';
import { loadSpec } from '../scoring/spec.ts';
import { openStore } from '../store/open.ts';
import { openJobWarehouse } from '../warehouse/open.ts';
import { featureParams, loadQuery } from '../warehouse/queries.ts';
import type { Warehouse } from '../warehouse/port.ts';
import type { Table } from 'apache-arrow';
import { joinHorizon, newIndex, type AllocationRow, type LoggedDay, type OutcomeRow } from './join.ts';
import { openSnapshotLog } from './logged.ts';
import type { ReplayRows } from './rows.ts';
import { summarize, type IntervalEstimate } from './summarize.ts';

/** Where it reads (as `run` resolves it), which spec, and what to replay. */
export interface ReplayOptions extends Pick<RunOptions, 'job' | 'warehouse' | 'store' | 'dataset' | 'spec' | 'set'> {
  /** YYYY-MM-DD, in the order given */
  asOfs: string[];
  horizonDays: number;
  replicates: number;
  seed: number;
}

export interface ReplayAsOf extends IntervalEstimate {
  as_of: string;
  /** days of the horizon whose served snapshot was found in the store */
  logged_days: number;
}

export interface ReplayResult {
  quantity: 'incremental_saves';
  warehouse: string;
  store: string;
  dataset: string;
  /** the spec file, or null for the embedded default spec */
  spec: string | null;
  horizon_days: number;
  bootstrap: { replicates: number; seed: number; blocks: number };
  as_ofs: ReplayAsOf[];
  total: IntervalEstimate;
}


export async function replay(opts: ReplayOptions, log: Logger): Promise<ReplayResult> {
  const settings = resolveSettings({ job: opts.job, set: opts.set, warehouse: opts.warehouse, store: opts.store, dataset: opts.dataset });
  if (!settings.warehouse) throw new UsageError('--warehouse: replay needs a warehouse with engagement history (duckdb:FILE, parquet:DIR or bigquery://PROJECT/DATASET)');
  const specPath = opts.spec ?? settings.job.spec;
  const spec = loadSpec(specPath);
  const warehouse = await openJobWarehouse(settings.warehouse, settings.job, { log });
  const store = await openStore(settings.store);
  try {
    const snapshots = await openSnapshotLog(store, settings.dataset, spec.allocation.max_boost);
    const index = newIndex();
    const horizons: ReplayRows[] = [];
    const loggedDays: number[] = [];
    for (const asOf of opts.asOfs) {
      const allocation = await replayedAllocation(opts, specPath, asOf, warehouse, log);
      const first = dayNumber(asOf);
      const outcomes = await horizonOutcomes(warehouse, asOf, opts.horizonDays);
      snapshots.forgetBefore(asOf);
      const logged: (LoggedDay | null)[] = [];
      for (let d = 0; d < opts.horizonDays; d++) logged.push(await snapshots.day(dateOf(first + d)));
      loggedDays.push(logged.filter((l) => l).length);
      horizons.push(joinHorizon({ firstDay: first, days: opts.horizonDays, allocation, logged, outcomes }, index));
      log.info('replayed', { as_of: asOf, allocation_rows: allocation.length, outcome_rows: outcomes.length, logged_days: loggedDays[loggedDays.length - 1] });
    }
    const s = summarize(horizons, { groups: index.groups.size, blocks: index.blocks.size, replicates: opts.replicates, seed: opts.seed });
    return {
      quantity: 'incremental_saves',
      warehouse: warehouse.uri,
      store: store.uri,
      dataset: settings.dataset,
      spec: specPath ?? null,
      horizon_days: opts.horizonDays,
      bootstrap: { replicates: opts.replicates, seed: opts.seed, blocks: s.blocks },
      as_ofs: s.horizons.map((h, j) => ({ as_of: opts.asOfs[j], ...h, logged_days: loggedDays[j] })),
      total: s.total,
    };
  } finally {
    await warehouse.close();
    await store.close?.();
  }
}

/** The job's path to the allocation as of d (plan, extract, input gates, score), publishing nothing. */
async function replayedAllocation(opts: ReplayOptions, specPath: string | undefined, asOf: string, warehouse: Warehouse, log: Logger): Promise<AllocationRow[]> {
  const journal = new RunJournal(log);
  const plan = await planRun(
    { job: opts.job, set: opts.set, store: opts.store, dataset: opts.dataset, spec: specPath, asOf, warehouseHandle: warehouse, reportDir: null },
    journal,
  );
  try {
    const inputs = await extractAndValidate(plan, journal);
    const { table } = await scoreInputs(plan, inputs, journal);
    return allocationRows(table);
  } finally {
    await plan.close();
  }
}

function allocationRows(table: Table): AllocationRow[] {
  const name = 'scored rows';
  const [track, market, surface, campaign] = ['track_id', 'market', 'surface', 'campaign_id'].map((c) => stringColumn(table, name, c));
  const share = numericColumn(table, name, 'share');
  const headroom = numericColumn(table, name, 'headroom');
  const rows: AllocationRow[] = [];
  for (let r = 0; r < table.numRows; r++) {
    if (!(share[r] > 0)) continue;
    rows.push({ track: String(track.get(r)), market: String(market.get(r)), surface: String(surface.get(r)), campaign: String(campaign.get(r)), share: share[r], headroom: headroom[r] });
  }
  return rows;
}

/** engagement_daily in [d, d+h): sql/replay_outcomes.sql, bound with the feature queries' parameters. */
async function horizonOutcomes(warehouse: Warehouse, asOf: string, days: number): Promise<OutcomeRow[]> {
  const end = dateOf(dayNumber(asOf) + days);
  const { table } = await warehouse.query({
    name: 'replay_outcomes',
    sql: loadQuery('replay_outcomes'),
    params: featureParams(end, { windowDays: days }),
    labels: { job: 'replay', as_of: asOf },
  });
  const name = 'engagement_daily';
  if (table.numRows === 0) throw new InputDataError(`${name}: no rows from ${asOf} to ${dateOf(dayNumber(asOf) + days - 1)}: nothing to replay on (--as-of ${asOf}, --horizon ${days})`);
  const [track, market, surface] = ['track_id', 'market', 'surface'].map((c) => stringColumn(table, name, c));
  const [day, promoted, impressions, saves] = ['day', 'promoted', 'impressions', 'saves'].map((c) => numericColumn(table, name, c));
  const out: OutcomeRow[] = new Array(table.numRows);
  for (let r = 0; r < table.numRows; r++) {
    out[r] = { day: day[r], track: String(track.get(r)), market: String(market.get(r)), surface: String(surface.get(r)), promoted: promoted[r] === 1, impressions: impressions[r], saves: saves[r] };
  }
  return out;
}
