import type { Command } from 'commander';
import { openNotifier } from '../../notify/open.ts';
import { createLogger } from '../../observability/log.ts';
import { rollback } from '../../snapshot/rollback.ts';
import { action } from '../exit.ts';
import { common, open, type Common } from './common.ts';
import { json, out } from './format.ts';

export function registerRollback(group: Command): void {
  common(
    group
      .command('rollback')
      .argument('<version>', 'the earlier version LATEST should name again')
      .option('--force', 'allow a target that was itself rolled back before')
      .description('move LATEST back to a verified version, announce it, and mark the replaced version'),
    { notify: true },
  )
    .addHelpText(
      'after',
      `
The replaced version is marked rolled back: a rerun of the same run identity will not publish it
again unless run with --force. Exit 0 on success (also when VERSION is already current), 2 when
VERSION does not exist or does not verify, 5 when the store or notifier fails (rerun: it resumes),
6 when LATEST moved during the rollback.

Examples:
  $ promoscore snapshots rollback 20261124-3f2a9c01d4e7
  $ promoscore snapshots rollback 20261124-3f2a9c01d4e7 --store gs://my-bucket/promoscore \\
      --notify pubsub://projects/my-project/topics/promo-scores`,
    )
    .action(
      action(async (version: string, f: Common & { force?: boolean }) => {
        const { store, dataset, notify } = await open(f);
        const notifier = await openNotifier(notify);
        try {
          const r = await rollback({ store, notifier, dataset, to: version, force: f.force, log: createLogger() });
          if (f.json) json(r);
          else if (r.status === 'already-current') out(`LATEST of ${dataset} already names ${version}${r.notified ? ' (sent the pending rolled_back notification)' : ''}`);
          else out(`LATEST of ${dataset}: ${r.from ?? '(unreadable)'} -> ${r.to}; ${r.from ?? 'it'} is marked rolled back; rolled_back sent to ${notifier.uri}`);
          return 0;
        } finally {
          await notifier.close();
        }
      }),
    );
}
