import type { Command } from 'commander';
import { action } from './exit.ts';
import { UsageError } from '../core/errors.ts';
import { resolveConfig } from '../config/resolve.ts';
import { openStore } from '../store/open.ts';
import { checkSegment } from '../snapshot/markers.ts';
import { findTrackRows } from '../snapshot/find-rows.ts';
import { explainRow } from '../scoring/explain.ts';
import { loadSpec } from '../scoring/spec.ts';
import { addConfigOptions, addOutputOptions, type ConfigOptionFlags, type OutputFlags } from './options.ts';
import { checkKey, manifestOf, requireVersion, resolveVersion } from './versions.ts';

interface ExplainFlags extends ConfigOptionFlags, OutputFlags {
  track: string;
  market: string;
  surface: string;
  version?: string;
  spec?: string;
  campaign?: string;
}

/** "SE/radio, SE/mix, NO/radio": the keys a track has, for the message when the asked one is missing. */
function pairsOf(rows: Record<string, unknown>[]): string {
  const pairs = [...new Set(rows.map((r) => `${String(r.market)}/${String(r.surface)}`))].sort();
  const shown = pairs.slice(0, 20).join(', ');
  return pairs.length > 20 ? `${shown} (and ${pairs.length - 20} more)` : shown;
}

export function registerExplain(program: Command): void {
  const cmd = program
    .command('explain')
    .description('why does this track have this score: the breakdown of one (track, market, surface) row of a snapshot')
    .requiredOption('--track <id>', 'track_id (find one with `promoscore snapshots head`)')
    .requiredOption('--market <code>', 'market (ISO 3166-1 alpha-2)')
    .requiredOption('--surface <name>', 'a surface of the snapshot, e.g. radio | autoplay | mix')
    .option('--campaign <id>', 'only this campaign (several campaigns may promote the same track)')
    .option('--version <version>', 'snapshot version (default: LATEST)')
    .option('--spec <file>', 'scoring spec used for the plain-word thresholds (default: specs/default.yaml)');
  addOutputOptions(addConfigOptions(cmd), { json: 'print the breakdown as JSON' })
    .addHelpText(
      'after',
      `
Examples:
  $ promoscore explain --track TRACK --market SE --surface radio
  $ promoscore explain --track TRACK --market SE --surface radio --version 20261125-3f9c2a1b7d4e --json
  $ promoscore snapshots head --market SE --surface radio --limit 5      # rows to pick a TRACK from

Exit 2 when the version, the market, the surface or the row is not in the snapshot; the message
names what is there (the snapshot's surfaces and markets, or the track's market/surface pairs).`,
    )
    .action(
      action(async (f: ExplainFlags) => {
        const c = resolveConfig(f);
        const dataset = c.dataset;
        checkSegment('--dataset', dataset);
        const market = f.market.toUpperCase();
        if (!/^[A-Z]{2}$/.test(market)) throw new UsageError(`--market: "${f.market}" is not a two-letter market code`);
        const store = await openStore(c.store);
        try {
          if (f.version) await requireVersion(store, dataset, f.version, '--version');
          const version = await resolveVersion(store, dataset, f.version);
          const manifest = await manifestOf(store, dataset, version);
          checkKey(manifest, market, f.surface);
          const spec = await loadSpec(f.spec);
          const found = await findTrackRows(store, manifest, f.track);
          const all: Record<string, unknown>[] = [];
          for (const { table, indices } of found) for (const i of indices) all.push(table.get(i)!.toJSON() as Record<string, unknown>);
          const rows = all.filter((row) => row.market === market && row.surface === f.surface && (!f.campaign || row.campaign_id === f.campaign));
          if (!rows.length) {
            throw new UsageError(
              all.length
                ? `track ${f.track} is in ${dataset} ${version} (${all.length} rows) but not for market ${market}, surface ${f.surface}${f.campaign ? `, campaign ${f.campaign}` : ''}; it has ${pairsOf(all)}`
                : `track ${f.track} is not in ${dataset} ${version}: no opted-in campaign targets it (\`promoscore snapshots head\` lists rows that exist)`,
            );
          }
          const marketAlloc = manifest.allocation.markets.find((m) => m.market === market);
          if (!marketAlloc) throw new UsageError(`market ${market} has no allocation entry in ${dataset} ${version}`);
          const explained = rows.map((row) => explainRow(row, marketAlloc, spec));
          if (f.json) {
            process.stdout.write(JSON.stringify({ dataset, version, rows: explained.map((e) => e.json) }, null, 2) + '\n');
          } else {
            process.stdout.write(`${dataset} ${version}\n\n` + explained.map((e) => e.text).join('\n\n') + '\n');
          }
        } finally {
          await store.close?.();
        }
      }),
    );
}
