import type { Command } from 'commander';
import { action } from './exit.ts';
import { loggerFor } from './run.ts';
import { UsageError } from '../core/errors.ts';
import { resolveConfig } from '../config/resolve.ts';
import { checkSegment } from '../snapshot/markers.ts';
import { paths } from '../snapshot/contract.ts';
import { QualityConfigSchema, type QualityConfig } from '../quality/config.ts';
import { openStore } from '../store/open.ts';
import { openNotifier } from '../notify/open.ts';
import { addConfigOptions, addOutputOptions } from './options.ts';
import { requireVersion } from './versions.ts';

interface CommitFlags {
  version: string;
  tasks: string;
  job?: string;
  store?: string;
  notify?: string;
  dataset?: string;
  logFormat?: string;
  json?: boolean;
}

export function registerCommit(program: Command): void {
  const cmd = program
    .command('commit')
    .description('publish a sharded run whose tasks have all written their part (normally the last task does it; this finishes after a crash)')
    .requiredOption('--version <version>', 'the version the tasks wrote (in their logs and under <dataset>/versions/)')
    .requiredOption('--tasks <n>', 'how many tasks the run had');
  addOutputOptions(addConfigOptions(cmd, { notify: true }), { json: 'print the result as JSON on stdout' })
    .addHelpText(
      'after',
      `
Examples:
  $ promoscore commit --version 20261125-3f9c2a1b7d4e --tasks 4
  $ promoscore commit --job jobs/nightly.yaml --version 20261125-3f9c2a1b7d4e --tasks 4 --store gs://my-bucket/snapshots

Idempotent: committing a version that is already published is a no-op (exit 0). A task without a
completion record blocks the commit (exit 5, naming the tasks to rerun); a VERSION with no objects
in the store at all is a typo (exit 2).`,
    )
    .action(
      action(async (f: CommitFlags) => {
        const log = loggerFor(f);
        const count = Number(f.tasks);
        if (!Number.isInteger(count) || count < 2) throw new UsageError(`--tasks: "${f.tasks}" must be an integer >= 2`);
        const c = resolveConfig(f, process.env, { qualitySchema: QualityConfigSchema });
        const { job, dataset } = c;
        checkSegment('--dataset', dataset);
        checkSegment('--version', f.version);
        const { commitShardedRun } = await import('../run/sharded.ts');
        const store = await openStore(c.store);
        let notifier: Awaited<ReturnType<typeof openNotifier>> | undefined;
        try {
          await requireVersion(store, dataset, f.version, '--version');
          notifier = await openNotifier(c.notify);
          const r = await commitShardedRun({
            store, notifier, dataset, version: f.version, count,
            quality: QualityConfigSchema.parse(job.quality ?? {}) as QualityConfig, log,
          });
          log.notice(r.status === 'published' ? 'committed' : 'already published', { dataset, version: r.version, rows: r.manifest.stats.rows });
          if (f.json) {
            const result = { status: r.status, dataset, version: r.version, rows: r.manifest.stats.rows, shards: r.manifest.shards.length, manifest_uri: store.uriOf(paths.manifest(dataset, r.version)) };
            process.stdout.write(JSON.stringify(result, null, 2) + '\n');
          } else process.stdout.write(`${r.status}: ${dataset} ${r.version} (${r.manifest.stats.rows} rows, ${r.manifest.shards.length} shards)\n`);
        } finally {
          await notifier?.close();
          await store.close?.();
        }
      }),
    );
}
