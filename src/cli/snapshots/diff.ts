import type { Command } from 'commander';
import { diffManifests, diffRows } from '../../snapshot/diff.ts';
import { checkSegment } from '../../snapshot/markers.ts';
import { readVersionTable } from '../../snapshot/snapshot-reader.ts';
import { action } from '../exit.ts';
import { manifestOf } from '../versions.ts';
import { common, open, type Common } from './common.ts';
import { formatTable, int, json, num, out } from './format.ts';

export function registerDiff(group: Command): void {
  common(
    group
      .command('diff')
      .argument('<a>', 'older version')
      .argument('<b>', 'newer version')
      .option('--rows', 'also compare row by row (reads and verifies both versions)')
      .description('what changed between two versions'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ promoscore snapshots diff 20261124-3f2a9c01d4e7 20261125-8b1e55aa0c93
  $ promoscore snapshots diff 20261124-3f2a9c01d4e7 20261125-8b1e55aa0c93 --rows --json`,
    )
    .action(
      action(async (a: string, b: string, f: Common & { rows?: boolean }) => {
        const { store, dataset } = await open(f);
        checkSegment('A', a);
        checkSegment('B', b);
        const [ma, mb] = [await manifestOf(store, dataset, a), await manifestOf(store, dataset, b)];
        const d = diffManifests(ma, mb);
        let rows;
        if (f.rows) {
          const [ta, tb] = [await readVersionTable(store, dataset, a), await readVersionTable(store, dataset, b)];
          rows = diffRows(ta.table, tb.table);
        }
        if (f.json) {
          json(rows ? { ...d, rows } : d);
          return 0;
        }
        const delta = (x: number, y: number) => `${int(x)} -> ${int(y)} (${y - x >= 0 ? '+' : ''}${int(y - x)})`;
        out(
          formatTable(
            ['', 'A', 'B'],
            [
              ['version', a, b],
              ['as of', ...d.as_of],
              ['spec hash', ...d.spec_hash.map((s) => s.slice(0, 16))],
              ['input fingerprint', ...d.input_fingerprint.map((s) => s.slice(0, 16))],
              ['certificate gap', num(d.certificate_gap[0]), num(d.certificate_gap[1])],
            ],
          ),
        );
        out();
        out(`rows:           ${delta(...d.rows)}`);
        out(`promoted rows:  ${delta(...d.promoted_rows)}`);
        if (d.columns_added.length) out(`columns added:   ${d.columns_added.join(', ')}`);
        if (d.columns_removed.length) out(`columns removed: ${d.columns_removed.join(', ')}`);
        for (const c of d.columns_retyped) out(`column ${c.name}: ${c.a} -> ${c.b}`);
        out();
        out(formatTable(['QUANTILE', 'A', 'B'], d.score_quantiles.map((q) => [q.q, num(q.a), num(q.b)])));
        if (d.groups.length) {
          out();
          out(
            formatTable(
              ['MARKET', 'SURFACE', 'ROWS A', 'ROWS B', 'PROMOTED A', 'PROMOTED B'],
              d.groups.map((g) => [g.market, g.surface, int(g.rows[0]), int(g.rows[1]), int(g.promoted[0]), int(g.promoted[1])]),
            ),
          );
        } else out('\nper market and surface: no change in counts');
        if (rows) {
          out();
          out(
            formatTable(
              ['ROWS', 'COUNT'],
              [
                ['only in A', int(rows.only_a)], ['only in B', int(rows.only_b)], ['in both', int(rows.common)],
                ['share changed', int(rows.share_changed)], ['boost changed', int(rows.boost_changed)], ['score changed', int(rows.score_changed)],
                ['newly promoted', int(rows.promoted_gained)], ['no longer promoted', int(rows.promoted_lost)],
              ],
            ),
          );
        }
        return 0;
      }),
    );
}
