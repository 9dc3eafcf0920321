import { OutputGateError } from '../core/errors.ts';
import { openNotifier } from '../notify/open.ts';
import { finishPublished } from '../snapshot/publish.ts';
import { markers, hasMarker } from '../snapshot/markers.ts';
import { isRolledBack } from '../snapshot/markers.ts';
import type { QualityCheckResult } from '../snapshot/contract.ts';
import { loadQuery } from '../warehouse/queries.ts';
import { rowCountDrift } from '../quality/output.ts';
import type { RunJournal, RunResult } from './journal.ts';
import type { RunPlan } from './plan.ts';
import type { RunOptions } from './run-job.ts';

/**
 * The plan's early exits, before anything is extracted (docs/architecture.md, "Stages"): a rolled-back
 * identity stops (exit 4) unless forced; a plan (--dry-run) ends with what a run would do; a version
 * that is already published finishes its announcement and ends as a no-op. `plan` and `run` decide
 * "already published" by the one rule in `isPublished`.
 */
export async function earlyExit(plan: RunPlan, opts: RunOptions, journal: RunJournal): Promise<RunResult | null> {
  const { store, dataset, version } = plan;
  if (!opts.force && !opts.dryRun && (await isRolledBack(store, dataset, version))) {
    // a known-bad output: the same gate failure every time until the inputs change or someone forces it
    throw new OutputGateError(
      `version ${version} of ${dataset} was rolled back; rerunning the same inputs would bring it back: pass --force to publish anyway`,
    );
  }
  const published = await isPublished(plan);
  if (opts.dryRun) {
    journal.alreadyPublished = published;
    journal.dryRun = (await Promise.all(plan.requests.map((r) => plan.warehouse.dryRun(r)))).map((d) => ({ query: d.name, bytesProcessed: d.bytesProcessed }));
    journal.predictedGates = published ? [] : await predictGates(plan);
    return journal.result('planned');
  }
  if (!published) return null;
  // nothing to compute, but a run killed after the swap may not have announced it yet, so the
  // announcement is finished here (at least once, deduped by the _notified marker)
  const notifier = await openNotifier(plan.notifyUri);
  try {
    const done = await finishPublished({ store, notifier, dataset, version, log: plan.log, faults: opts.faults });
    journal.manifest = done.manifest;
    plan.log.notice('run finished', { status: 'already-published', version, rows: done.manifest.stats.rows, notified: done.notified });
  } finally {
    await notifier.close();
  }
  return journal.result('already-published');
}

/**
 * Published: LATEST names the version, or its `published` notification was accepted (it was current
 * once, or published behind a newer LATEST by a backfill). The publish protocol treats both as
 * "already published", so a run of such a version is a no-op and a plan says so.
 */
async function isPublished(plan: RunPlan): Promise<boolean> {
  if (plan.latest?.pointer.version === plan.version) return true;
  return hasMarker(plan.store, markers.notified(plan.dataset, plan.version));
}

/** What a plan can tell about the output gates without scoring: row-count drift, from the count query. */
async function predictGates(plan: RunPlan): Promise<QualityCheckResult[]> {
  if (!plan.previous) return [];
  const res = await plan.warehouse.query({ name: 'market_counts', sql: loadQuery('market_counts'), params: {}, labels: plan.labels });
  const col = res.table.getChild('candidate_rows');
  if (!col) return [];
  let rows = 0;
  for (let i = 0; i < res.table.numRows; i++) rows += Number(col.get(i));
  const drift = rowCountDrift(plan.previous, rows, plan.quality);
  return [{ ...drift, detail: `${drift.detail ?? ''} (candidate rows from the count query, before input drops)` }];
}
