/** Seeded candidate and surface tables built directly with Arrow, shaped like the SQL side's output. */
import { Table, tableFromArrays, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { CANDIDATE_NUMERIC_COLUMNS, type CandidateNumericColumn } from '../../src/scoring/features.ts';
import { rng } from './instances.ts';

export interface FixtureOptions {
  seed: number;
  markets: number;
  tracksPerMarket: number;
  licensors: number;
  surfaces?: string[];
  /** markets whose surfaces have no surface_capacity row */
  missingSurfaces?: string[];
  /** multiplies every surface's daily impressions (small: tight capacity) */
  capacityScale?: number;
  /** promoted listeners of every other track skip this much more than organic ones (default 0) */
  promotedSkipPenalty?: number;
  /** strings as dictionary vectors instead of utf8 */
  dictionary?: boolean;
}

export function marketName(i: number): string {
  return String.fromCharCode(65 + Math.floor(i / 26), 65 + (i % 26));
}

export function makeFixture(o: FixtureOptions): { candidates: Table; surfaces: Table } {
  const rand = rng(o.seed);
  const surfaces = o.surfaces ?? ['autoplay', 'mix', 'radio'];
  const str: Record<string, string[]> = { track_id: [], market: [], surface: [], campaign_id: [], licensor_id: [] };
  const num: Record<CandidateNumericColumn, number[]> = Object.fromEntries(CANDIDATE_NUMERIC_COLUMNS.map((c) => [c, []])) as never;
  const sm: string[] = [];
  const ss: string[] = [];
  const daily: number[] = [];
  const share: number[] = [];
  const oi: number[] = [];
  const os: number[] = [];
  const osv: number[] = [];
  for (let m = 0; m < o.markets; m++) {
    const market = marketName(m);
    for (const surface of surfaces) {
      if (!o.missingSurfaces?.includes(market)) {
        sm.push(market);
        ss.push(surface);
        daily.push(Math.round((1e5 + rand() * 1e6) * (o.capacityScale ?? 1)));
        share.push(0.05 + rand() * 0.1);
        const organic = Math.round(1e6 + rand() * 1e7);
        oi.push(organic);
        os.push(Math.round(organic * (0.2 + rand() * 0.15)));
        osv.push(Math.round(organic * 0.02));
      }
      for (let t = 0; t < o.tracksPerMarket; t++) {
        const track = `t${String(t).padStart(6, '0')}`;
        str.track_id.push(track);
        str.market.push(market);
        str.surface.push(surface);
        str.campaign_id.push(`c${t}`);
        str.licensor_id.push(`l${t % o.licensors}`);
        const impressions = Math.floor(rand() < 0.2 ? rand() * 40 : rand() * 20000);
        const skipRate = 0.15 + rand() * 0.4;
        const skips = Math.floor(impressions * skipRate);
        const streams = impressions - skips;
        const saves = Math.floor(streams * rand() * 0.1);
        const promoted = Math.floor(impressions * rand() * 0.3);
        const row: Record<CandidateNumericColumn, number> = {
          campaign_active: rand() < 0.9 ? 1 : 0,
          licensor_active: rand() < 0.97 ? 1 : 0,
          restricted: rand() < 0.03 ? 1 : 0,
          track_age_days: Math.floor(rand() * 400) - 10,
          commission_rate: 0.05 + rand() * 0.2,
          campaign_expected: rand() < 0.5 ? Math.floor(rand() * 3000) : -1,
          licensor_max_share: rand() < 0.1 ? 0.5 : -1,
          impressions,
          streams,
          skips,
          saves,
          completions: Math.floor(streams * 0.7),
          promoted_impressions: promoted,
          promoted_streams: Math.floor(promoted * (1 - skipRate)),
          promoted_skips: Math.floor(promoted * Math.min(1, skipRate + (t % 2) * (o.promotedSkipPenalty ?? 0))),
          promoted_saves: Math.floor(promoted * 0.02),
          market_streams_28d: Math.floor(rand() < 0.1 ? rand() * 20 : rand() * 50000),
          recent_impressions: Math.floor(impressions / 4),
          campaign_delivered: Math.floor(rand() * 3000),
          daily_impression_target: 0,
          campaign_reach: 0,
        };
        // the target so far stands for one day of the flight
        row.daily_impression_target = row.campaign_expected;
        // the campaign's targets, every market and surface alike, played what this row did
        row.campaign_reach = row.campaign_expected > 0 ? row.recent_impressions * o.markets * surfaces.length : 0;
        for (const c of CANDIDATE_NUMERIC_COLUMNS) num[c].push(row[c]);
      }
    }
  }
  const strings: Record<string, Vector> = {};
  for (const [k, v] of Object.entries(str)) strings[k] = o.dictionary ? vectorFromArray(v) : vectorFromArray(v, new Utf8());
  const numeric = tableFromArrays(Object.fromEntries(CANDIDATE_NUMERIC_COLUMNS.map((c) => [c, Float64Array.from(num[c])])) as never);
  const cols: Record<string, Vector> = { ...strings };
  for (const c of CANDIDATE_NUMERIC_COLUMNS) cols[c] = numeric.getChild(c)!;
  const candidates = new Table(cols);
  const surfacesTable = new Table({
    market: vectorFromArray(sm, new Utf8()),
    surface: vectorFromArray(ss, new Utf8()),
    daily_impressions: vectorFromArray(Float64Array.from(daily)),
    max_promoted_share: vectorFromArray(Float64Array.from(share)),
    organic_impressions: vectorFromArray(Float64Array.from(oi)),
    organic_skips: vectorFromArray(Float64Array.from(os)),
    organic_saves: vectorFromArray(Float64Array.from(osv)),
  });
  return { candidates, surfaces: surfacesTable };
}
