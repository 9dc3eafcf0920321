/**
 * engagement_daily drawn from the model: for every (track, market, surface) key of a targeted track
 * (all three surfaces, so activity across surfaces adds up) and for part of the rest of the catalog,
 * one organic row per day with impressions > 0 and, while a campaign promoted the key, a promoted
 * row. Counts are consistent by construction: skips <= impressions, saves <= streams <= impressions,
 * completions <= streams. Rows come out key by key (market, track, surface), each key day by day,
 * through a fixed-size column buffer.
 */
import { Rng } from './prng.ts';
import { NULL_DAY, type SampleModel } from './model.ts';
import { SURFACE_SKIP } from './markets.ts';
import { meanDailyImpressions } from './exposure.ts';

export const ENGAGEMENT_CHUNK = 2048;

/** One buffer of rows; `flush(n)` is called when it is full and once at the end. */
export class EngagementBuffer {
  readonly day = new Int32Array(ENGAGEMENT_CHUNK);
  readonly track = new Int32Array(ENGAGEMENT_CHUNK);
  readonly market = new Int32Array(ENGAGEMENT_CHUNK);
  readonly surface = new Int32Array(ENGAGEMENT_CHUNK);
  readonly promoted = new Uint8Array(ENGAGEMENT_CHUNK);
  readonly impressions = new Int32Array(ENGAGEMENT_CHUNK);
  readonly streams = new Int32Array(ENGAGEMENT_CHUNK);
  readonly skips = new Int32Array(ENGAGEMENT_CHUNK);
  readonly saves = new Int32Array(ENGAGEMENT_CHUNK);
  readonly completions = new Int32Array(ENGAGEMENT_CHUNK);
  n = 0;
  total = 0;
  private readonly flush: (buf: EngagementBuffer, n: number) => void;

  constructor(flush: (buf: EngagementBuffer, n: number) => void) {
    this.flush = flush;
  }
  push(day: number, track: number, market: number, surface: number, promoted: number, imp: number, str: number, skp: number, sav: number, cmp: number): void {
    const i = this.n;
    this.day[i] = day;
    this.track[i] = track;
    this.market[i] = market;
    this.surface[i] = surface;
    this.promoted[i] = promoted;
    this.impressions[i] = imp;
    this.streams[i] = str;
    this.skips[i] = skp;
    this.saves[i] = sav;
    this.completions[i] = cmp;
    this.n = i + 1;
    if (this.n === ENGAGEMENT_CHUNK) this.end();
  }
  end(): void {
    if (this.n === 0) return;
    this.flush(this, this.n);
    this.total += this.n;
    this.n = 0;
  }
}

/** The (track, market, surface) keys engagement is drawn for, with their true organic rates. */
export interface EngagementKeys {
  track: Int32Array;
  market: Int32Array;
  surface: Int32Array;
  lambda: Float64Array;
  promoFrom: Int32Array;
  promoTo: Int32Array;
  promoFactor: Float64Array;
  stream: Float64Array;
  skip: Float64Array;
  promoSkip: Float64Array;
  save: Float64Array;
  completion: Float64Array;
}

/** Keys and rates in the order the generator draws them; `rng` is the `${seed}:engagement` stream. */
export function buildKeys(m: SampleModel, rng: Rng): EngagementKeys {
  const lastDay = m.asOfDay - 1;
  // promoted window per (track, market, surface) of non-cold campaigns: union of their running days;
  // and, for a key of a campaign with a daily target, the share of its organic exposure that the
  // target asks for, so that its past delivery was paced near the target (not above it whatever it asked)
  const windows = new Map<number, [number, number]>();
  const paced = new Map<number, number>();
  const pairs = new Set<number>();
  const nM = m.markets.length;
  for (let i = 0; i < m.targetCampaign.length; i++) {
    const c = m.targetCampaign[i];
    const t = m.campTrack[c];
    pairs.add(t * nM + m.targetMarket[i]);
    if (m.campCold[c]) continue;
    const from = m.campStart[c];
    let to: number;
    if (m.campStatus[c] === 1) to = m.campPausedFrom[c];
    else to = m.campEnd[c] === NULL_DAY ? lastDay : Math.min(m.campEnd[c], lastDay);
    if (to < from) continue;
    const key = (t * nM + m.targetMarket[i]) * 3 + m.targetSurface[i];
    if (m.campTarget[c] > 0 && m.campReach[c] > 0 && !paced.has(key)) paced.set(key, m.campTarget[c] / m.campReach[c]);
    const w = windows.get(key);
    if (!w) windows.set(key, [from, to]);
    else windows.set(key, [Math.min(w[0], from), Math.max(w[1], to)]);
  }
  // part of the rest of the catalog plays organically in its home market
  const campaignTrack = new Uint8Array(m.trackIds.length);
  for (let c = 0; c < m.campTrack.length; c++) campaignTrack[m.campTrack[c]] = 1;
  for (let t = 0; t < m.trackIds.length; t++) if (!campaignTrack[t] && rng.chance(0.15)) pairs.add(t * nM + m.trackHome[t]);

  const sorted = [...pairs].sort((a, b) => (a % nM) - (b % nM) || a - b);
  const n = sorted.length * 3;
  const k: EngagementKeys = {
    track: new Int32Array(n),
    market: new Int32Array(n),
    surface: new Int32Array(n),
    lambda: new Float64Array(n),
    promoFrom: new Int32Array(n).fill(NULL_DAY),
    promoTo: new Int32Array(n).fill(NULL_DAY),
    promoFactor: new Float64Array(n),
    stream: new Float64Array(n),
    skip: new Float64Array(n),
    promoSkip: new Float64Array(n),
    save: new Float64Array(n),
    completion: new Float64Array(n),
  };
  let i = 0;
  for (const pair of sorted) {
    const t = Math.floor(pair / nM);
    const mk = pair % nM;
    for (let s = 0; s < 3; s++, i++) {
      k.track[i] = t;
      k.market[i] = mk;
      k.surface[i] = s;
      k.lambda[i] = meanDailyImpressions(m.trackPop[t], m.marketWeight[mk], s, m.trackHome[t] === mk) * rng.range(0.6, 1.4);
      const w = windows.get(pair * 3 + s);
      if (w) {
        k.promoFrom[i] = w[0];
        k.promoTo[i] = w[1];
        const draw = rng.range(0.3, 1.2);
        const ask = paced.get(pair * 3 + s);
        // the same draw either way, so the other keys' streams do not move: a paced key delivered
        // 0.7–1.3 × what its target asked, never more than an unpaced key's most
        k.promoFactor[i] = ask === undefined ? draw : Math.min(1.2, ask * (0.7 + ((draw - 0.3) / 0.9) * 0.6));
      }
      const clamp = (x: number) => Math.min(0.98, Math.max(0.001, x));
      k.stream[i] = clamp(m.trackStream[t] + rng.range(-0.05, 0.05));
      k.skip[i] = clamp(m.trackSkip[t] * SURFACE_SKIP[s] + rng.range(-0.03, 0.03));
      k.promoSkip[i] = clamp(k.skip[i] + rng.range(0.02, 0.08));
      k.save[i] = clamp(m.trackSave[t] + rng.range(-0.005, 0.005));
      k.completion[i] = clamp(m.trackCompletion[t] + rng.range(-0.05, 0.05));
    }
  }
  return k;
}

/** Weekly rhythm of listening: weekends are busier (1970-01-01 was a Thursday). */
export function dayFactor(day: number): number {
  const dow = (((day + 4) % 7) + 7) % 7;
  return dow === 0 || dow === 6 ? 1.15 : 0.94;
}

/** New releases build up their audience over their first two weeks. */
export function releaseRamp(age: number): number {
  return age < 14 ? 0.3 + age / 20 : 1;
}

/** Draws every engagement row into `out`, day by day; returns the number of keys. */
export function generateEngagement(m: SampleModel, seed: string, out: EngagementBuffer): number {
  const rng = new Rng(`${seed}:engagement`);
  const k = buildKeys(m, rng);
  const n = k.track.length;
  const first = m.asOfDay - m.days;
  // key by key, day by day: the file comes out clustered by (market, track, surface), like a table
  // clustered on its keys, which keeps the engine's aggregation over it cache-friendly
  for (let i = 0; i < n; i++) {
    const t = k.track[i];
    const released = m.trackRelease[t];
    for (let day = Math.max(first, released); day < m.asOfDay; day++) {
      const lambda = k.lambda[i] * dayFactor(day) * releaseRamp(day - released);
      const imp = rng.poisson(lambda);
      if (imp > 0) {
        // one draw dithers the four roundings (1/256 steps are plenty for rounding)
        const r = rng.u32();
        const str = Math.floor(imp * k.stream[i] + (r & 255) / 256);
        out.push(day - first, t, k.market[i], k.surface[i], 0, imp,
          str,
          Math.floor(imp * k.skip[i] + ((r >>> 8) & 255) / 256),
          Math.floor(str * k.save[i] + ((r >>> 16) & 255) / 256),
          Math.floor(str * k.completion[i] + (r >>> 24) / 256));
      }
      if (day >= k.promoFrom[i] && day <= k.promoTo[i]) {
        const pimp = rng.poisson(lambda * k.promoFactor[i]);
        if (pimp > 0) {
          const r = rng.u32();
          const pstr = Math.floor(pimp * k.stream[i] * 0.9 + (r & 255) / 256);
          out.push(day - first, t, k.market[i], k.surface[i], 1, pimp,
            pstr,
            Math.floor(pimp * k.promoSkip[i] + ((r >>> 8) & 255) / 256),
            Math.floor(pstr * k.save[i] * 0.9 + ((r >>> 16) & 255) / 256),
            Math.floor(pstr * k.completion[i] + (r >>> 24) / 256));
        }
      }
    }
  }
  out.end();
  return n;
}
