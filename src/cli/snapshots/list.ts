import type { Command } from 'commander';
import { listVersions } from '../../snapshot/snapshot-reader.ts';
import { action } from '../exit.ts';
import { common, open, type Common } from './common.ts';
import { formatTable, int, json, out, size, status } from './format.ts';

export function registerList(group: Command): void {
  common(group.command('list').description('every version in the store, oldest first, with its status'))
    .addHelpText(
      'after',
      `
Status: LATEST (what readers load), published (announced before), unpublished (complete but never
current: a lost race or a crash before the swap; gc collects it), incomplete (no manifest), rolled back.

Examples:
  $ promoscore snapshots list
  $ promoscore snapshots list --store file:///data/promoscore --json`,
    )
    .action(
      action(async (f: Common) => {
        const { store, dataset } = await open(f);
        const versions = await listVersions(store, dataset);
        if (f.json) {
          json(versions.map(({ manifest: _m, ...v }) => v));
          return 0;
        }
        if (!versions.length) {
          out(`no versions of ${dataset} in ${store.uri}`);
          return 0;
        }
        out(
          formatTable(
            ['VERSION', 'AS-OF', 'CREATED', 'ROWS', 'SHARDS', 'SIZE', 'STATUS'],
            versions.map((v) => [
              v.version, v.as_of ?? '-', v.created_at?.slice(0, 19).replace('T', ' ') ?? '-', int(v.rows), String(v.shards), size(v.bytes), status(v),
            ]),
          ),
        );
        return 0;
      }),
    );
}
