/**
 * The entities of the synthetic dataset, generated column-wise into typed arrays: licensors from
 * majors to one-person labels (Zipf), tracks with Zipf popularity, campaigns in every state, their
 * targets and restrictions. Engagement is drawn from this model in engagement.ts.
 */
import { Rng, WeightedPicker, base62 } from './prng.ts';
import { SAMPLE_MARKETS, SURFACE_TARGETED } from './markets.ts';
import { meanDailyImpressions } from './exposure.ts';

export const NULL_DAY = -2147483648;
export const CAMPAIGN_STATUS = ['active', 'paused', 'ended'] as const;
export const LICENSOR_STATUS = ['active', 'suspended'] as const;
export const RESTRICTION_REASONS = ['licensing', 'legal', 'territory', 'explicit_content'] as const;

export interface SampleModel {
  asOfDay: number;
  /** engagement days [asOfDay - days, asOfDay) */
  days: number;
  markets: string[];
  marketWeight: Float64Array;
  licensorIds: string[];
  licensorStatus: Uint8Array;
  /** NaN = NULL */
  licensorMaxShare: Float64Array;
  artistIds: string[];
  trackIds: string[];
  trackArtist: Int32Array;
  trackLicensor: Int32Array;
  trackRelease: Int32Array;
  trackExplicit: Uint8Array;
  /** Zipf popularity, 1 for the most popular track */
  trackPop: Float64Array;
  trackHome: Int32Array;
  trackSkip: Float64Array;
  trackStream: Float64Array;
  trackSave: Float64Array;
  trackCompletion: Float64Array;
  campaignIds: string[];
  campTrack: Int32Array;
  campStatus: Uint8Array;
  campStart: Int32Array;
  /** NULL_DAY = open-ended */
  campEnd: Int32Array;
  /** last promoted day of a paused campaign */
  campPausedFrom: Int32Array;
  campCommission: Float64Array;
  /** NaN = NULL */
  campTarget: Float64Array;
  /** mean daily organic impressions over the campaign's unrestricted targets (what its target was sized on) */
  campReach: Float64Array;
  /** cold start: never promoted yet */
  campCold: Uint8Array;
  targetCampaign: Int32Array;
  targetMarket: Int32Array;
  targetSurface: Int32Array;
  restrictTrack: Int32Array;
  restrictMarket: Int32Array;
  restrictReason: Int32Array;
}

/**
 * a campaign's daily target as a share of its keys' mean organic exposure: below the ≈ 0.85 that full
 * boost delivers, so most fit even on keys whose exposure draws low (×0.6–1.4 per key)
 */
const TARGET_SHARE = [0.2, 0.6] as const;
/** share of targeted campaigns asking for 1.5–4× what their keys can get */
const TARGET_OVER_AMBITIOUS = 0.2;

export interface ModelOptions {
  scale: number;
  seed: string;
  asOfDay: number;
  days: number;
  /**
   * share of active campaigns that have never been promoted (simulated worlds vary it); unset: the
   * generator's own mix (new campaigns and about 15% of the rest)
   */
  coldStartShare?: number;
}

function uniqueIds(rng: Rng, n: number, make: (rng: Rng) => string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < n) {
    const id = make(rng);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}

export function buildModel(opts: ModelOptions): SampleModel {
  const root = new Rng(opts.seed);
  const s = opts.scale;
  const asOf = opts.asOfDay;
  const markets = SAMPLE_MARKETS.map((m) => m[0]);
  const marketWeight = Float64Array.from(SAMPLE_MARKETS.map((m) => m[1]));
  const marketPicker = new WeightedPicker(marketWeight);

  // licensors: a few majors, a long tail of small labels
  const nL = Math.max(12, Math.round(400 * s));
  const rl = root.fork('licensors');
  const licensorIds = uniqueIds(rl, nL, (r) => `lic_${base62(r, 10)}`);
  const licensorStatus = new Uint8Array(nL);
  const licensorMaxShare = new Float64Array(nL);
  const licensorWeight = new Float64Array(nL);
  for (let i = 0; i < nL; i++) {
    licensorWeight[i] = 1 / Math.pow(i + 1, 1.15);
    licensorStatus[i] = i > 2 && rl.chance(0.04) ? 1 : 0;
    licensorMaxShare[i] = rl.chance(0.45) ? NaN : Math.round(rl.range(0.05, 0.5) * 100) / 100;
  }
  const licensorPicker = new WeightedPicker(licensorWeight);

  // tracks
  const nT = Math.max(200, Math.round(30000 * s));
  const nA = Math.max(60, Math.round(nT / 3));
  const rt = root.fork('tracks');
  const artistIds = uniqueIds(rt, nA, (r) => base62(r, 22));
  const trackIds = uniqueIds(rt, nT, (r) => base62(r, 22));
  const rank = rt.shuffle(Int32Array.from({ length: nT }, (_, i) => i));
  const trackArtist = new Int32Array(nT);
  const trackLicensor = new Int32Array(nT);
  const trackRelease = new Int32Array(nT);
  const trackExplicit = new Uint8Array(nT);
  const trackPop = new Float64Array(nT);
  const trackHome = new Int32Array(nT);
  const trackSkip = new Float64Array(nT);
  const trackStream = new Float64Array(nT);
  const trackSave = new Float64Array(nT);
  const trackCompletion = new Float64Array(nT);
  const artistLicensor = Int32Array.from({ length: nA }, () => licensorPicker.pick(rt));
  for (let t = 0; t < nT; t++) {
    const a = Math.floor(Math.pow(rt.float(), 1.5) * nA); // prolific artists have many tracks
    trackArtist[t] = a;
    trackLicensor[t] = rt.chance(0.9) ? artistLicensor[a] : licensorPicker.pick(rt);
    const u = rt.float();
    if (u < 0.04) trackRelease[t] = asOf - rt.int(0, 29); // younger than 30 days
    else if (u < 0.05) trackRelease[t] = asOf + rt.int(1, 21); // announced, not yet out
    else trackRelease[t] = asOf - 30 - Math.floor(3650 * Math.pow(rt.float(), 2));
    trackExplicit[t] = rt.chance(0.12) ? 1 : 0;
    // popularity by rank per unit of scale: a bigger sample has proportionally more tracks at each level
    trackPop[t] = 1 / Math.pow(1 + rank[t] / s, 0.95);
    trackHome[t] = marketPicker.pick(rt);
    const skipHeavy = rt.chance(0.06);
    trackSkip[t] = skipHeavy ? rt.range(0.55, 0.8) : rt.range(0.12, 0.35);
    trackStream[t] = skipHeavy ? rt.range(0.2, 0.45) : rt.range(0.45, 0.85);
    trackSave[t] = skipHeavy ? rt.range(0.002, 0.02) : rt.range(0.01, 0.12);
    trackCompletion[t] = skipHeavy ? rt.range(0.2, 0.5) : rt.range(0.5, 0.9);
  }

  // campaigns: mostly catalog tracks of every popularity, new releases more often
  const nC = Math.max(60, Math.round(10000 * s));
  const rc = root.fork('campaigns');
  const campaignIds = uniqueIds(rc, nC, (r) => `cmp_${base62(r, 12)}`);
  const trackPicker = new WeightedPicker(Float64Array.from({ length: nT }, (_, t) => (trackRelease[t] > asOf - 60 ? 4 : 1)));
  const campTrack = new Int32Array(nC);
  const campStatus = new Uint8Array(nC);
  const campStart = new Int32Array(nC);
  const campEnd = new Int32Array(nC);
  const campPausedFrom = new Int32Array(nC).fill(NULL_DAY);
  const campCommission = new Float64Array(nC);
  const campTarget = new Float64Array(nC);
  const campCold = new Uint8Array(nC);
  const used = new Set<number>();
  for (let c = 0; c < nC; c++) {
    let t = trackPicker.pick(rc);
    // about 3% of tracks run two campaigns; otherwise one per track
    for (let tries = 0; used.has(t) && !rc.chance(0.03) && tries < 20; tries++) t = trackPicker.pick(rc);
    used.add(t);
    campTrack[c] = t;
    const u = rc.float();
    if (u < 0.82) {
      campStatus[c] = 0;
      campStart[c] = rc.chance(0.06) ? asOf + rc.int(1, 14) : asOf - rc.int(0, 120);
      campEnd[c] = rc.chance(0.3) ? NULL_DAY : Math.max(campStart[c], asOf) + rc.int(1, 90);
      campCold[c] = campStart[c] >= asOf - 2 || rc.chance(0.15) ? 1 : 0;
    } else if (u < 0.91) {
      campStatus[c] = 1;
      campStart[c] = asOf - rc.int(10, 120);
      campEnd[c] = rc.chance(0.3) ? NULL_DAY : asOf + rc.int(1, 90);
      campPausedFrom[c] = asOf - rc.int(1, 10);
      campCold[c] = rc.chance(0.1) ? 1 : 0;
    } else {
      campStatus[c] = 2;
      campEnd[c] = asOf - rc.int(1, 60);
      campStart[c] = campEnd[c] - rc.int(14, 120);
    }
    campCommission[c] = Math.round(rc.range(0.05, 0.3) * 200) / 200;
    campTarget[c] = rc.chance(0.35) ? NaN : Math.round(Math.exp(rc.range(Math.log(500), Math.log(200000))));
  }

  // targets: the home market most of the time plus markets drawn by size; 1–3 surfaces
  const rg = root.fork('targets');
  const tc: number[] = [];
  const tm: number[] = [];
  const ts: number[] = [];
  for (let c = 0; c < nC; c++) {
    const k = Math.min(markets.length, 1 + Math.floor(-Math.log(1 - rg.float()) * 4.5));
    const chosen = new Set<number>();
    if (rg.chance(0.9)) chosen.add(trackHome[campTrack[c]]);
    for (let guard = 0; chosen.size < k && guard < 200; guard++) chosen.add(marketPicker.pick(rg));
    const surfaces: number[] = [];
    for (let sIdx = 0; sIdx < 3; sIdx++) if (rg.chance(SURFACE_TARGETED[sIdx])) surfaces.push(sIdx);
    if (!surfaces.length) surfaces.push(rg.int(0, 2));
    for (const m of [...chosen].sort((a, b) => a - b)) {
      for (const sIdx of surfaces) {
        tc.push(c);
        tm.push(m);
        ts.push(sIdx);
      }
    }
  }

  // restrictions: some targeted (track, market) pairs, and some elsewhere in the catalog
  const rr = root.fork('restrictions');
  const rtk: number[] = [];
  const rmk: number[] = [];
  const rre: number[] = [];
  const restricted = new Set<number>();
  const addRestriction = (t: number, m: number) => {
    const key = t * 64 + m;
    if (restricted.has(key)) return;
    restricted.add(key);
    rtk.push(t);
    rmk.push(m);
    rre.push(rr.int(0, RESTRICTION_REASONS.length - 1));
  };
  for (let i = 0; i < tc.length; i++) if (ts[i] === ts[0] && rr.chance(0.03)) addRestriction(campTrack[tc[i]], tm[i]);
  for (let i = 0; i < Math.round(nT * 0.05); i++) addRestriction(rr.int(0, nT - 1), marketPicker.pick(rr));

  // daily targets sized to what the campaign's own keys can get: a promotion program asks for a share
  // of the promoted response at full boost (≈ O · b, b = 1 at the default max boost 2; saturation makes
  // it ≈ 0.85 · O), with O the mean organic exposure summed over its targets that are not restricted;
  // a minority is over-ambitious, so pacing falls behind too.
  // Whether a campaign has a target was drawn above; the size is drawn here, from a stream of its own.
  const rct = root.fork('campaign-targets');
  const reach = new Float64Array(nC);
  const nM = markets.length;
  const blocked = new Set<number>();
  for (let i = 0; i < rtk.length; i++) blocked.add(rtk[i] * nM + rmk[i]);
  for (let i = 0; i < tc.length; i++) {
    const t = campTrack[tc[i]];
    if (blocked.has(t * nM + tm[i])) continue;
    reach[tc[i]] += meanDailyImpressions(trackPop[t], marketWeight[tm[i]], ts[i], trackHome[t] === tm[i]);
  }
  for (let c = 0; c < nC; c++) {
    if (!Number.isFinite(campTarget[c])) continue;
    const share = rct.chance(TARGET_OVER_AMBITIOUS) ? rct.range(1.5, 4) : rct.range(TARGET_SHARE[0], TARGET_SHARE[1]);
    // a campaign with nothing it could deliver keeps its drawn target: no sizing can make it feasible
    if (reach[c] > 0 && licensorStatus[trackLicensor[campTrack[c]]] === 0) campTarget[c] = Math.max(1, Math.round(share * reach[c]));
  }

  if (opts.coldStartShare !== undefined) {
    // drawn last, from a stream of its own, so every other entity stays as without the option
    const rs = root.fork('cold-start');
    for (let c = 0; c < nC; c++) if (campStatus[c] === 0) campCold[c] = rs.chance(opts.coldStartShare) ? 1 : 0;
  }

  return {
    asOfDay: asOf,
    days: opts.days,
    markets,
    marketWeight,
    licensorIds,
    licensorStatus,
    licensorMaxShare,
    artistIds,
    trackIds,
    trackArtist,
    trackLicensor,
    trackRelease,
    trackExplicit,
    trackPop,
    trackHome,
    trackSkip,
    trackStream,
    trackSave,
    trackCompletion,
    campaignIds,
    campTrack,
    campStatus,
    campStart,
    campEnd,
    campPausedFrom,
    campCommission,
    campTarget,
    campReach: reach,
    campCold,
    targetCampaign: Int32Array.from(tc),
    targetMarket: Int32Array.from(tm),
    targetSurface: Int32Array.from(ts),
    restrictTrack: Int32Array.from(rtk),
    restrictMarket: Int32Array.from(rmk),
    restrictReason: Int32Array.from(rre),
  };
}
