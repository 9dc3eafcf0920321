import type { Command } from 'commander';
import { paths } from '../../snapshot/contract.ts';
import { readLatest } from '../../snapshot/read.ts';
import { action } from '../exit.ts';
import { manifestOf, resolveVersion } from '../versions.ts';
import { common, open, type Common } from './common.ts';
import { formatTable, int, json, num, out, size } from './format.ts';

export function registerShow(group: Command): void {
  common(group.command('show').argument('[version]', 'version id (default: the one LATEST names)').description("a version's manifest, summarized"))
    .addHelpText(
      'after',
      `
Examples:
  $ promoscore snapshots show
  $ promoscore snapshots show 20261125-8b1e55aa0c93 --json     # the manifest itself`,
    )
    .action(
      action(async (version: string | undefined, f: Common) => {
        const { store, dataset } = await open(f);
        const v = await resolveVersion(store, dataset, version);
        const m = await manifestOf(store, dataset, v);
        if (f.json) {
          json(m);
          return 0;
        }
        const latest = (await readLatest(store, dataset).catch(() => null))?.pointer.version;
        const bytes = m.shards.reduce((s, x) => s + x.bytes, 0);
        out(
          formatTable(
            ['FIELD', 'VALUE'],
            [
              ['version', `${m.version}${latest === m.version ? '  (LATEST)' : ''}`],
              ['as of', m.as_of],
              ['created', m.created_at],
              ['previous', m.previous_version ?? '-'],
              ['manifest', store.uriOf(paths.manifest(dataset, m.version))],
              ['producer', `${m.producer.job_name} run ${m.producer.run_id} (package ${m.producer.package_version}, git ${m.producer.git_sha})`],
              ['spec hash', m.producer.spec_hash],
              ['inputs', `${m.inputs.warehouse}, fingerprint ${m.inputs.fingerprint}`],
              ['rows', `${int(m.stats.rows)} (${int(m.stats.promoted_rows)} promoted)`],
              ['shards', `${m.shards.length} files in ${m.buckets} buckets, ${size(bytes)}`],
              ['certificate', `gap ${num(m.allocation?.certificate?.gap)}, max violation ${num(m.allocation?.certificate?.max_violation)}`],
              ['score', Object.entries(m.stats.score_quantiles).sort(([a], [b]) => Number(a.slice(1)) - Number(b.slice(1))).map(([q, x]) => `${q}=${num(x)}`).join(' ')],
            ],
          ),
        );
        out();
        out(
          formatTable(
            ['MARKET', 'SURFACE', 'ROWS', 'PROMOTED'],
            m.stats.by_market_surface.map((g) => [g.market, g.surface, int(g.rows), int(g.promoted)]),
          ),
        );
        return 0;
      }),
    );
}
