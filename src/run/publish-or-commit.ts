import { openNotifier } from '../notify/open.ts';
import { publishSnapshot, type PublishResult } from '../snapshot/publish.ts';
import type { ScoreOutput } from '../scoring/stage.ts';
import { commitShardedRun, MissingTasksError, writeTaskOutput } from './sharded.ts';
import type { GatedInputs } from './extract.ts';
import type { RunJournal, RunResult } from './journal.ts';
import type { RunPlan } from './plan.ts';
import type { RunOptions } from './run-job.ts';

/**
 * Stage 5, publish or commit (docs/architecture.md, "Publish protocol"). Unsharded: the snapshot is
 * written, verified, LATEST swapped and the notification sent. Sharded: the task writes its shards and
 * completion record, then tries the commit, which only the task that finds every record present can do.
 */
export interface Scored {
  inputs: GatedInputs | null;
  output: ScoreOutput | null;
}

export async function publishOrCommit(plan: RunPlan, scored: Scored, opts: RunOptions, journal: RunJournal): Promise<RunResult> {
  const { store, dataset, version, log } = plan;
  const { clock, progress } = journal;
  const notifier = await openNotifier(plan.notifyUri);
  progress.start('publish');
  let published: PublishResult;
  try {
    if (plan.shard.count > 1) {
      await clock.time(
        'write',
        () =>
          writeTaskOutput({
            store, dataset, version, asOf: plan.asOf.text, shard: plan.shard, markets: plan.markets!, table: scored.output?.table ?? null, buckets: plan.job.buckets,
            record: {
              queries: scored.inputs?.queries ?? [], quality_input: journal.gates.input, quality_output: journal.gates.output, run_id: journal.runId, producer: plan.producer,
              allocation: scored.output?.allocation ?? { tolerance: plan.spec.allocation.tolerance, certificate: { primal: 0, dual_bound: 0, gap: 0, max_violation: 0 }, markets: [] },
              inputs: plan.inputs,
            },
            faults: opts.faults, log,
          }),
        (r) => r.rows,
      );
      try {
        published = await clock.time('commit', () => commitShardedRun({ store, notifier, dataset, version, count: plan.shard.count, quality: plan.quality, faults: opts.faults, log, checkedNotRolledBack: !opts.force }));
      } catch (err) {
        if (!(err instanceof MissingTasksError)) throw err;
        progress.finish('task done, commit left to the last task');
        log.notice('task output complete; the commit waits for the other tasks', { task: plan.shard.index, count: plan.shard.count, detail: err.message });
        return journal.result('task-written');
      }
    } else {
      const out = scored.output!;
      published = await clock.time(
        'publish',
        () =>
          publishSnapshot({
            store, notifier, dataset, version, asOf: plan.asOf.text, table: out.table, buckets: plan.job.buckets, log, faults: opts.faults,
            behindLatest: opts.behindLatest,
            checkedNotRolledBack: !opts.force,
            manifest: {
              producer: plan.producer,
              inputs: { warehouse: plan.inputs.warehouse, tables: plan.inputs.tables, queries: scored.inputs?.queries ?? [], fingerprint: plan.inputs.fingerprint },
              quality: journal.gates,
              allocation: out.allocation,
              previous_version: plan.latest?.pointer.version ?? null,
            },
          }),
        () => out.table.numRows,
      );
    }
  } finally {
    await notifier.close();
  }
  progress.finish(published.status);
  journal.manifest = published.manifest;
  const status = published.status === 'already-published' ? 'already-published' : 'published';
  log.notice('run finished', { status, version, rows: published.manifest.stats.rows, seconds: clock.totalSeconds });
  return journal.result(status);
}
