import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { createLogger } from '../../observability/log.ts';
import { DEFAULT_GRACE_MS, gc, parseDuration } from '../../snapshot/gc.ts';
import { action } from '../exit.ts';
import { common, open, type Common } from './common.ts';
import { formatTable, json, out, size } from './format.ts';

export function registerGc(group: Command): void {
  common(
    group
      .command('gc')
      .requiredOption('--keep <n>', 'published versions to keep before the one LATEST names')
      .option('--grace <duration>', 'spare versions with objects younger than this (a run may be writing them): 30m, 2h, 1d', '1h')
      .option('--dry-run', 'list what would be deleted, delete nothing')
      .description('delete orphans and old versions; never LATEST, the N before it, or anything recent'),
  )
    .addHelpText(
      'after',
      `
Never deletes the version LATEST names, the N published versions before it, nor any version with an
object younger than --grace (default ${DEFAULT_GRACE_MS / 3600_000}h), so it is safe while runs are writing. Refuses to run
(exit 5) when LATEST is unreadable, or missing although versions were published (restore it with
rollback first). Rollback markers are kept.

Examples:
  $ promoscore snapshots gc --keep 7 --dry-run
  $ promoscore snapshots gc --keep 3 --grace 6h --store gs://my-bucket/promoscore`,
    )
    .action(
      action(async (f: Common & { keep: string; grace: string; dryRun?: boolean }) => {
        if (!/^\d+$/.test(f.keep)) throw new UsageError(`--keep: "${f.keep}" must be a non-negative integer`);
        const graceMs = parseDuration(f.grace, '--grace');
        const { store, dataset } = await open(f);
        const r = await gc(store, dataset, { keep: Number(f.keep), graceMs, dryRun: f.dryRun, log: createLogger() });
        if (f.json) {
          json(r);
          return 0;
        }
        const rows = [
          ...r.deleted.map((d) => [d.version, f.dryRun ? 'would delete' : 'deleted', `${d.objects} objects, ${size(d.bytes)}${d.complete ? '' : ', incomplete'}`]),
          ...r.kept.map((k) => [k.version, 'kept', k.reasons.join(', ')]),
        ];
        out(rows.length ? formatTable(['VERSION', 'ACTION', 'DETAIL'], rows) : `no versions of ${dataset} in ${store.uri}`);
        if (r.tempFiles) out(`removed ${r.tempFiles} temp files left by crashed writers`);
        return 0;
      }),
    );
}
