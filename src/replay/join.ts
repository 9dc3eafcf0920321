/**
 * Joins one horizon's three sources into the estimators' rows (src/replay/rows.ts): the replayed
 * allocation (rows of score() as of the horizon's first day), the snapshot served on each day of
 * the horizon (its shares, published actions and propensities), and the logged engagement.
 * Pure: strings and numbers in, typed arrays out.
 */
import { emptyRows, type ReplayRows } from './rows.ts';

/** One row of the replayed allocation: its share x ∈ [0, 1] and headroom (promoted impressions per day at x = 1). */
export interface AllocationRow {
  track: string;
  market: string;
  surface: string;
  campaign: string;
  share: number;
  headroom: number;
}

/** One row of a snapshot that was served: the LP's share, the published action (boost − 1)/(max boost − 1), its propensity. */
export interface LoggedRow {
  track: string;
  market: string;
  surface: string;
  campaign: string;
  share: number;
  action: number;
  propensity: number;
  /** the holdout could have drawn it: eligible, and a candidate of the holdout (docs/snapshots.md, "Propensity") */
  eligible: boolean;
}

/** The snapshot served on one day, with its holdout share ε (0: no holdout, propensities all 1). */
export interface LoggedDay {
  holdoutShare: number;
  rows: readonly LoggedRow[];
}

/** engagement_daily of the horizon: promoted rows per (day offset, key); organic rows may come summed per (day, market, surface), their track ignored. */
export interface OutcomeRow {
  day: number;
  track: string;
  market: string;
  surface: string;
  promoted: boolean;
  impressions: number;
  saves: number;
}

export interface HorizonInput {
  /** epoch day of the horizon's first day */
  firstDay: number;
  days: number;
  allocation: readonly AllocationRow[];
  /** per day offset: the served snapshot, or null when none was found (those days take the direct method) */
  logged: readonly (LoggedDay | null)[];
  outcomes: readonly OutcomeRow[];
}

/** Indexes shared by every horizon of one replay: blocks are (track, epoch day), groups (market, surface). */
export interface ReplayIndex {
  blocks: Map<string, number>;
  groups: Map<string, number>;
}

export const newIndex = (): ReplayIndex => ({ blocks: new Map(), groups: new Map() });

/** shares are float64 in the snapshot; actions come from float32 boosts */
const TOL = 1e-5;
const SEP = '\u0000';
const keyOf = (r: { track: string; market: string; surface: string }) => `${r.track}${SEP}${r.market}${SEP}${r.surface}`;

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
function outcomeOrder(a: OutcomeRow, b: OutcomeRow): number {
  return a.day - b.day || cmp(a.market, b.market) || cmp(a.surface, b.surface) || cmp(a.track, b.track) || Number(a.promoted) - Number(b.promoted);
}

function indexOf(map: Map<string, number>, k: string): number {
  let i = map.get(k);
  if (i === undefined) map.set(k, (i = map.size));
  return i;
}

/**
 * IPS weight of one key on one day: Π over its rows of 1[logged action = replayed share] / propensity,
 * or NaN when some row's replayed share had probability 0 under the logging design: the design draws
 * 0 or 1 for eligible rows (when ε > 0), and otherwise publishes the LP's own share.
 */
export function keyWeight(replayed: ReadonlyMap<string, number>, logged: ReadonlyMap<string, LoggedRow> | undefined, epsilon: number): number {
  let w = 1;
  const campaigns = new Set([...replayed.keys(), ...(logged?.keys() ?? [])]);
  for (const c of campaigns) {
    const x = replayed.get(c) ?? 0;
    const row = logged?.get(c);
    if (!row) {
      if (x > TOL) return NaN;
      continue;
    }
    const drawable = row.eligible && epsilon > 0 && (x <= TOL || x >= 1 - TOL);
    if (!drawable && Math.abs(x - row.share) > TOL) return NaN;
    if (Math.abs(row.action - x) > TOL) w = 0;
    else if (w > 0) w /= row.propensity;
  }
  return w;
}

export function joinHorizon(input: HorizonInput, index: ReplayIndex): ReplayRows {
  const { days } = input;
  // the replayed allocation per key: campaign -> share, and planned impressions per day
  const replayed = new Map<string, { track: string; market: string; surface: string; shares: Map<string, number>; planned: number }>();
  for (const r of input.allocation) {
    const k = keyOf(r);
    let e = replayed.get(k);
    if (!e) replayed.set(k, (e = { track: r.track, market: r.market, surface: r.surface, shares: new Map(), planned: 0 }));
    e.shares.set(r.campaign, r.share);
    e.planned += r.share * r.headroom;
  }
  // organic save rate per (group, day), with the group's rate over the horizon as the fallback
  const organic = new Map<string, { imp: number[]; saves: number[] }>();
  const promoted: Map<string, { track: string; market: string; surface: string; imp: number; saves: number }>[] = Array.from({ length: days }, () => new Map());
  // in key order, so the rows, their blocks and every sum are the same however the warehouse
  // returned them (BigQuery's parallel read streams keep no order)
  for (const o of [...input.outcomes].sort(outcomeOrder)) {
    if (o.day < 0 || o.day >= days) continue;
    if (o.promoted) {
      const k = keyOf(o);
      const e = promoted[o.day].get(k) ?? { track: o.track, market: o.market, surface: o.surface, imp: 0, saves: 0 };
      e.imp += o.impressions;
      e.saves += o.saves;
      promoted[o.day].set(k, e);
    } else {
      const g = `${o.market}${SEP}${o.surface}`;
      let e = organic.get(g);
      if (!e) organic.set(g, (e = { imp: new Array(days).fill(0), saves: new Array(days).fill(0) }));
      e.imp[o.day] += o.impressions;
      e.saves[o.day] += o.saves;
    }
  }
  const organicRate = (market: string, surface: string, day: number) => {
    const e = organic.get(`${market}${SEP}${surface}`);
    if (!e) return 0;
    if (e.imp[day] > 0) return e.saves[day] / e.imp[day];
    const imp = e.imp.reduce((a, b) => a + b, 0);
    return imp > 0 ? e.saves.reduce((a, b) => a + b, 0) / imp : 0;
  };

  const loggedByKey = input.logged.map((day) => {
    if (!day) return null;
    const m = new Map<string, Map<string, LoggedRow>>();
    for (const r of day.rows) {
      const k = keyOf(r);
      let e = m.get(k);
      if (!e) m.set(k, (e = new Map()));
      e.set(r.campaign, r);
    }
    return m;
  });

  let capacity = 0;
  for (let d = 0; d < days; d++) capacity += replayed.size + promoted[d].size;
  const rows = emptyRows(capacity);
  const push = (d: number, track: string, market: string, surface: string, planned: number, weight: number, out: { imp: number; saves: number } | undefined) => {
    const i = rows.n++;
    rows.block[i] = indexOf(index.blocks, `${track}${SEP}${input.firstDay + d}`);
    rows.group[i] = indexOf(index.groups, `${market}${SEP}${surface}`);
    rows.planned[i] = planned;
    rows.weight[i] = weight;
    rows.impressions[i] = out?.imp ?? 0;
    rows.increment[i] = out ? out.saves - out.imp * organicRate(market, surface, d) : 0;
  };
  for (let d = 0; d < days; d++) {
    const logged = loggedByKey[d];
    const epsilon = input.logged[d]?.holdoutShare ?? 0;
    for (const [k, e] of replayed) {
      if (!(e.planned > 0)) continue;
      const weight = logged ? keyWeight(e.shares, logged.get(k), epsilon) : NaN;
      push(d, e.track, e.market, e.surface, e.planned, weight, promoted[d].get(k));
    }
    for (const [k, out] of promoted[d]) {
      if ((replayed.get(k)?.planned ?? 0) > 0) continue;
      push(d, out.track, out.market, out.surface, 0, NaN, out);
    }
  }
  return rows;
}
