import type { Command } from 'commander';
import { readVersionTable } from '../../snapshot/snapshot-reader.ts';
import { action } from '../exit.ts';
import { numberFlag } from '../options.ts';
import { checkKey, manifestOf, requireVersion, resolveVersion } from '../versions.ts';
import { common, open, type Common } from './common.ts';
import { formatTable, json, num, out } from './format.ts';

const SHOWN = ['track_id', 'market', 'surface', 'campaign_id', 'licensor_id', 'score', 'boost', 'share'] as const;
const MAX_LIMIT = 10_000;

interface HeadFlags extends Common {
  market?: string;
  surface?: string;
  limit: string;
}

export function registerHead(group: Command): void {
  common(
    group
      .command('head')
      .argument('[version]', 'version id (default: the one LATEST names)')
      .option('--market <code>', 'only rows of this market')
      .option('--surface <name>', 'only rows of this surface')
      .option('--limit <n>', `rows to print, 1..${MAX_LIMIT}`, '10')
      .description('the first rows of a version (optionally of one market and surface): keys to look up or explain'),
  )
    .addHelpText(
      'after',
      `
Rows come in the snapshot's order (by bucket, then as written); every shard read is verified first.
Exit 2 when the version, market or surface is not in the snapshot (the message names what is).

Examples:
  $ promoscore snapshots head
  $ promoscore snapshots head --market SE --surface radio --limit 5
  $ promoscore snapshots head 20261125-8b1e55aa0c93 --market SE --json`,
    )
    .action(
      action(async (version: string | undefined, f: HeadFlags) => {
        const limit = numberFlag('--limit', f.limit, 1, MAX_LIMIT, { integer: true });
        const market = f.market?.toUpperCase();
        const { store, dataset } = await open(f);
        if (version) await requireVersion(store, dataset, version);
        const v = await resolveVersion(store, dataset, version);
        const manifest = await manifestOf(store, dataset, v);
        checkKey(manifest, market, f.surface);
        const rows: Record<string, unknown>[] = [];
        const buckets = [...new Set(manifest.shards.map((s) => s.bucket))].sort((a, b) => a - b);
        // one bucket at a time, so a head of a large snapshot reads only the shards it needs
        for (const bucket of buckets) {
          const { table } = await readVersionTable(store, dataset, v, { buckets: [bucket] });
          const m = table.getChild('market');
          const s = table.getChild('surface');
          for (let i = 0; i < table.numRows && rows.length < limit; i++) {
            if (market !== undefined && m?.get(i) !== market) continue;
            if (f.surface !== undefined && s?.get(i) !== f.surface) continue;
            rows.push(table.get(i)!.toJSON() as Record<string, unknown>);
          }
          if (rows.length >= limit) break;
        }
        if (f.json) {
          json({ dataset, version: v, rows });
          return 0;
        }
        out(`${dataset} ${v}: ${rows.length} row${rows.length === 1 ? '' : 's'}${market ? ` of market ${market}` : ''}${f.surface ? ` on ${f.surface}` : ''}`);
        if (rows.length) {
          out(formatTable([...SHOWN].map((c) => c.toUpperCase()), rows.map((r) => SHOWN.map((c) => (typeof r[c] === 'number' ? num(r[c] as number) : String(r[c] ?? '-'))))));
        }
        return 0;
      }),
    );
}
