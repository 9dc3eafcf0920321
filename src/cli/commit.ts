import type { Command } from 'commander';
import { action } from './exit.ts';
import { loggerFor } from './run.ts';
import { UsageError } from '../core/errors.ts';
import { defaultJob, loadJob, withEnvironment } from '../config/job.ts';
import { parseNotifyUri, parseStoreUri } from '../config/uri.ts';
import { QualityConfigSchema, type QualityConfig } from '../quality/config.ts';
import { openStore } from '../store/open.ts';
import { openNotifier } from '../notify/open.ts';

interface CommitFlags {
  version: string;
  tasks: string;
  job?: string;
  store?: string;
  notify?: string;
  dataset?: string;
  logFormat?: string;
}

export function registerCommit(program: Command): void {
  program
    .command('commit')
    .description('publish a sharded run whose tasks have all written their part (normally the last task does it; this finishes after a crash)')
    .requiredOption('--version <version>', 'the version the tasks wrote (in their logs and under <dataset>/versions/)')
    .requiredOption('--tasks <n>', 'how many tasks the run had')
    .option('--job <file>', 'job definition (for dataset, store, notifier and quality thresholds)')
    .option('--store <uri>', 'gs://BUCKET/PREFIX | file://DIR')
    .option('--notify <uri>', 'pubsub://projects/P/topics/T | file://PATH.ndjson')
    .option('--dataset <name>', 'snapshot dataset (default: promo_scores)')
    .option('--log-format <format>', 'json | text')
    .addHelpText(
      'after',
      `
Examples:
  $ promoscore commit --version 20261125-3f9c2a1b7d4e --tasks 4
  $ promoscore commit --job jobs/nightly.yaml --version 20261125-3f9c2a1b7d4e --tasks 4 --store gs://my-bucket/snapshots

Idempotent: committing a version that is already published is a no-op (exit 0). A task without a
completion record blocks the commit (exit 5, naming the tasks to rerun).`,
    )
    .action(
      action(async (f: CommitFlags) => {
        const log = loggerFor(f);
        const count = Number(f.tasks);
        if (!Number.isInteger(count) || count < 2) throw new UsageError(`--tasks: "${f.tasks}" must be an integer >= 2`);
        const job = withEnvironment(f.job ? loadJob(f.job, { qualitySchema: QualityConfigSchema }) : defaultJob());
        if (f.store) parseStoreUri(f.store, { flag: '--store' });
        if (f.notify) parseNotifyUri(f.notify, { flag: '--notify' });
        const { commitShardedRun } = await import('../run/sharded.ts');
        const store = await openStore(f.store ?? job.store);
        const notifier = await openNotifier(f.notify ?? job.notify);
        try {
          const dataset = f.dataset ?? job.dataset;
          const r = await commitShardedRun({
            store, notifier, dataset, version: f.version, count,
            quality: QualityConfigSchema.parse(job.quality ?? {}) as QualityConfig, log,
          });
          log.notice(r.status === 'published' ? 'committed' : 'already published', { dataset, version: r.version, rows: r.manifest.stats.rows });
          process.stdout.write(`${r.status}: ${dataset} ${r.version} (${r.manifest.stats.rows} rows, ${r.manifest.shards.length} shards)\n`);
        } finally {
          await notifier.close();
          await store.close?.();
        }
      }),
    );
}
