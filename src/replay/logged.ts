/**
 * Where a warehouse's history logs its propensities (docs/evaluation.md, "Replay"): engagement_daily
 * carries no propensity, so the log of day e is the snapshot that was served on e — the published
 * version whose as-of is e (the newest created one of that as-of that was not rolled back), read
 * through the verified reader. Its `share` (the LP's), `boost` (what was published) and
 * `propensity` give each row's logged action and its probability; a snapshot without the column
 * predates the holdout and reads as propensity 1 with no holdout.
 */
import type { Table } from 'apache-arrow';
import { InputDataError } from '../core/errors.ts';
import type { ObjectStore } from '../store/port.ts';
import { listVersions, readVersionTable } from '../snapshot/snapshot-reader.ts';
import { numericColumn, stringColumn } from '../scoring/kernels/columns.ts';
import type { LoggedDay, LoggedRow } from './join.ts';

export interface SnapshotLog {
  /** the served snapshot of a date (YYYY-MM-DD), or null when none was published for it */
  day(date: string): Promise<LoggedDay | null>;
  /** the version read for a date, for the output */
  versionOf(date: string): string | null;
  /** drops the days before `date` from memory (a later call for one of them reads it again) */
  forgetBefore(date: string): void;
}

export async function openSnapshotLog(store: ObjectStore, dataset: string, fallbackMaxBoost: number): Promise<SnapshotLog> {
  const byAsOf = new Map<string, string>();
  for (const v of await listVersions(store, dataset)) {
    // oldest first: a later version of the same as-of (a forced rerun) replaced the earlier one
    if (v.complete && !v.rolled_back && v.as_of && /^\d{4}-\d{2}-\d{2}$/.test(v.as_of)) byAsOf.set(v.as_of, v.version);
  }
  // by date: a served snapshot at scale 1 is ~100k rows, so only the horizons at hand stay in memory
  const cache = new Map<string, Promise<LoggedDay>>();
  return {
    versionOf: (date) => byAsOf.get(date) ?? null,
    forgetBefore(date) {
      for (const d of cache.keys()) if (d < date) cache.delete(d);
    },
    async day(date) {
      const version = byAsOf.get(date);
      if (!version) return null;
      let p = cache.get(date);
      if (!p) {
        p = readVersionTable(store, dataset, version).then(({ manifest, table }) => {
          const holdout = manifest.allocation.holdout;
          const maxBoost = holdout?.boosts[holdout.boosts.length - 1] ?? fallbackMaxBoost;
          return loggedDay(table, `snapshot ${version}`, holdout && table.getChild('propensity') ? holdout.share : 0, maxBoost);
        });
        cache.set(date, p);
      }
      return p;
    },
  };
}

/** A served snapshot's rows as logged actions: action = (boost − 1)/(max boost − 1). */
export function loggedDay(table: Table, name: string, holdoutShare: number, maxBoost: number): LoggedDay {
  const str = (c: string) => stringColumn(table, name, c);
  const [track, market, surface, campaign] = ['track_id', 'market', 'surface', 'campaign_id'].map(str);
  const share = numericColumn(table, name, 'share');
  const boost = numericColumn(table, name, 'boost');
  const upper = numericColumn(table, name, 'upper');
  const propensity = table.getChild('propensity') ? numericColumn(table, name, 'propensity') : null;
  const room = maxBoost - 1;
  const rows: LoggedRow[] = new Array(table.numRows);
  for (let r = 0; r < table.numRows; r++) {
    // a weight is 1/propensity: a value outside (0, 1] would make every estimate meaningless
    if (propensity && !(propensity[r] > 0 && propensity[r] <= 1)) {
      throw new InputDataError(`${name}: column propensity is ${propensity[r]} at row ${r} (track_id=${track.get(r)} market=${market.get(r)} surface=${surface.get(r)} campaign_id=${campaign.get(r)}), expected a probability in (0, 1]`);
    }
    rows[r] = {
      track: String(track.get(r)),
      market: String(market.get(r)),
      surface: String(surface.get(r)),
      campaign: String(campaign.get(r)),
      share: share[r],
      action: room > 0 ? (boost[r] - 1) / room : 0,
      propensity: propensity ? propensity[r] : 1,
      // the holdout draws only its candidates (eligible, within the skip budget): with ε > 0 every
      // candidate logs a propensity below 1, an eligible row over the skip budget logs exactly 1
      eligible: upper[r] > 0 && (!propensity || holdoutShare <= 0 || propensity[r] < 1),
    };
  }
  return { holdoutShare, rows };
}
