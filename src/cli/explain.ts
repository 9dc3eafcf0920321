import type { Command } from 'commander';
import { action } from './exit.ts';
import { UsageError } from '../core/errors.ts';
import { openStore } from '../store/open.ts';
import { readLatest, readManifest } from '../snapshot/read.ts';
import { findTrackRows } from '../snapshot/find-rows.ts';
import { explainRow } from '../scoring/explain.ts';
import { loadSpec } from '../scoring/spec.ts';
import { parseStoreUri, DEFAULT_STORE_URI } from '../config/uri.ts';

interface ExplainFlags {
  track: string;
  market: string;
  surface: string;
  version?: string;
  store: string;
  dataset: string;
  spec?: string;
  json?: boolean;
  campaign?: string;
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('why does this track have this score: the breakdown of one (track, market, surface) row of a snapshot')
    .requiredOption('--track <id>', 'track_id')
    .requiredOption('--market <code>', 'market (ISO 3166-1 alpha-2)')
    .requiredOption('--surface <name>', 'radio | autoplay | mix')
    .option('--campaign <id>', 'only this campaign (several campaigns may promote the same track)')
    .option('--version <version>', 'snapshot version (default: LATEST)')
    .option('--store <uri>', 'gs://BUCKET/PREFIX | file://DIR', DEFAULT_STORE_URI)
    .option('--dataset <name>', 'snapshot dataset', 'promo_scores')
    .option('--spec <file>', 'scoring spec used for the plain-word thresholds (default: specs/default.yaml)')
    .option('--json', 'print the breakdown as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ promoscore explain --track 4uLU6hMCjMI75M1A2tKUQC --market SE --surface radio
  $ promoscore explain --track 4uLU6hMCjMI75M1A2tKUQC --market SE --surface radio --version 20261125-3f9c2a1b7d4e --json

Exit 2 when the row is not in the snapshot (the message says whether the track is there at all).`,
    )
    .action(
      action(async (f: ExplainFlags) => {
        parseStoreUri(f.store, { flag: '--store' });
        const market = f.market.toUpperCase();
        if (!/^[A-Z]{2}$/.test(market)) throw new UsageError(`--market: "${f.market}" is not a two-letter market code`);
        const store = await openStore(f.store);
        try {
          let version = f.version;
          if (!version) {
            const latest = await readLatest(store, f.dataset);
            if (!latest) throw new UsageError(`dataset ${f.dataset} has no LATEST in ${store.uri}: nothing published yet`);
            version = latest.pointer.version;
          }
          const manifest = await readManifest(store, f.dataset, version);
          const spec = await loadSpec(f.spec);
          const found = await findTrackRows(store, manifest, f.track);
          const rows: Record<string, unknown>[] = [];
          for (const { table, indices } of found) {
            for (const i of indices) {
              const row = table.get(i)!.toJSON() as Record<string, unknown>;
              if (row.market === market && row.surface === f.surface && (!f.campaign || row.campaign_id === f.campaign)) rows.push(row);
            }
          }
          if (!rows.length) {
            const anywhere = found.reduce((n, x) => n + x.indices.length, 0);
            throw new UsageError(
              anywhere
                ? `track ${f.track} is in ${f.dataset} ${version} (${anywhere} rows) but not for market ${market}, surface ${f.surface}${f.campaign ? `, campaign ${f.campaign}` : ''}`
                : `track ${f.track} is not in ${f.dataset} ${version}: no opted-in campaign targets it`,
            );
          }
          const marketAlloc = manifest.allocation.markets.find((m) => m.market === market);
          if (!marketAlloc) throw new UsageError(`market ${market} has no allocation entry in ${f.dataset} ${version}`);
          const explained = rows.map((row) => explainRow(row, marketAlloc, spec));
          if (f.json) {
            process.stdout.write(JSON.stringify({ dataset: f.dataset, version, rows: explained.map((e) => e.json) }, null, 2) + '\n');
          } else {
            process.stdout.write(`${f.dataset} ${version}\n\n` + explained.map((e) => e.text).join('\n\n') + '\n');
          }
        } finally {
          await store.close?.();
        }
      }),
    );
}
