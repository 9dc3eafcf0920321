/**
 * The world's truth: the sample model's entities and engagement keys, their true organic and
 * promoted-context rates (src/sample/truth.ts), each (market, surface)'s real daily traffic, and
 * what all of that is on a given flight day (expected organic exposure, drifted rates).
 * See docs/evaluation.md, "The world".
 */
import { dayNumber } from '../core/dates.ts';
import { buildKeys, dayFactor, releaseRamp, type EngagementKeys } from '../sample/engagement.ts';
import { buildModel, type SampleModel } from '../sample/model.ts';
import { Rng } from '../sample/prng.ts';
import { drifted, keyTruth, type KeyTruth } from '../sample/truth.ts';
import { SAMPLE_SURFACES } from '../sample/markets.ts';

export interface WorldOptions {
  seed: string;
  scale: number;
  /** flight length in days */
  days: number;
  /** first flight day, YYYY-MM-DD: the generated history covers the 35 days before it */
  start: string;
  promotedPenalty: number;
  drift: number;
  /** unset: the sample's own share of never-promoted campaigns */
  coldStartShare?: number;
}

/** Days of generated history before the flight. */
export const HISTORY_DAYS = 35;

export interface World {
  opts: WorldOptions;
  model: SampleModel;
  keys: EngagementKeys;
  truth: KeyTruth;
  startDay: number;
  nKeys: number;
  nGroups: number;
  /** per key: market * 3 + surface */
  group: Int32Array;
  trackIndex: Map<string, number>;
  marketIndex: Map<string, number>;
  campaignIndex: Map<string, number>;
  licensorIndex: Map<string, number>;
  /** track * markets + market -> index of the pair's first key (its three surfaces follow) */
  pairKey: Map<number, number>;
  /** per group: surface_capacity.daily_impressions and max_promoted_share (set by the engine's table) */
  dailyImpressions: Float64Array;
  maxPromotedShare: Float64Array;
}

export function buildWorld(opts: WorldOptions): World {
  const startDay = dayNumber(opts.start);
  const model = buildModel({ scale: opts.scale, seed: opts.seed, asOfDay: startDay, days: HISTORY_DAYS, coldStartShare: opts.coldStartShare });
  const keys = buildKeys(model, new Rng(`${opts.seed}:engagement`));
  const nM = model.markets.length;
  const truth = keyTruth(keys, nM, opts.seed, { promotedPenalty: opts.promotedPenalty, drift: opts.drift });
  const nKeys = keys.track.length;
  const group = new Int32Array(nKeys);
  const pairKey = new Map<number, number>();
  for (let i = 0; i < nKeys; i++) {
    group[i] = keys.market[i] * 3 + keys.surface[i];
    const pair = keys.track[i] * nM + keys.market[i];
    if (!pairKey.has(pair)) pairKey.set(pair, i);
  }
  const index = (ids: readonly string[]) => new Map(ids.map((id, i) => [id, i]));
  return {
    opts,
    model,
    keys,
    truth,
    startDay,
    nKeys,
    nGroups: nM * 3,
    group,
    trackIndex: index(model.trackIds),
    marketIndex: index(model.markets),
    campaignIndex: index(model.campaignIds),
    licensorIndex: index(model.licensorIds),
    pairKey,
    dailyImpressions: new Float64Array(nM * 3),
    maxPromotedShare: new Float64Array(nM * 3),
  };
}

const SURFACE_INDEX = new Map<string, number>(SAMPLE_SURFACES.map((s, i) => [s, i]));

/** The world's key of a (track, market, surface), or -1 when the world has no such key. */
export function keyOf(w: World, track: number, market: number, surface: string): number {
  return keyOfIndex(w, track, market, SURFACE_INDEX.get(surface) ?? -1);
}

/** keyOf with the surface as its index in SAMPLE_SURFACES (-1: none). */
export function keyOfIndex(w: World, track: number, market: number, surface: number): number {
  if (surface < 0 || track < 0 || market < 0) return -1;
  const base = w.pairKey.get(track * w.model.markets.length + market);
  return base === undefined ? -1 : base + surface;
}

/** The truth of one flight day: expected organic exposure and every rate, per key and per group. */
export interface DayTruth {
  t: number;
  day: number;
  /** expected organic impressions per key, before any promotion displaces them */
  organic: Float64Array;
  /** organic rates per impression */
  stream: Float64Array;
  skip: Float64Array;
  save: Float64Array;
  /** completions per stream */
  completion: Float64Array;
  /** promoted-context rates per impression */
  pStream: Float64Array;
  pSkip: Float64Array;
  pSave: Float64Array;
  /** per group: the surface's traffic that day, its catalog organic exposure, organic mean rates */
  traffic: Float64Array;
  organicSum: Float64Array;
  meanStream: Float64Array;
  meanSkip: Float64Array;
  meanSave: Float64Array;
  /** per group: promoted capacity (max promoted share x daily impressions) */
  capacity: Float64Array;
}

export function dayTruth(w: World, t: number): DayTruth {
  const n = w.nKeys;
  const day = w.startDay + t;
  const progress = w.opts.days > 1 ? t / (w.opts.days - 1) : 0;
  const { keys, truth, model } = w;
  const f = dayFactor(day);
  const d: DayTruth = {
    t,
    day,
    organic: new Float64Array(n),
    stream: new Float64Array(n),
    skip: new Float64Array(n),
    save: new Float64Array(n),
    completion: truth.completion,
    pStream: new Float64Array(n),
    pSkip: new Float64Array(n),
    pSave: new Float64Array(n),
    traffic: new Float64Array(w.nGroups),
    organicSum: new Float64Array(w.nGroups),
    meanStream: new Float64Array(w.nGroups),
    meanSkip: new Float64Array(w.nGroups),
    meanSave: new Float64Array(w.nGroups),
    capacity: new Float64Array(w.nGroups),
  };
  const drift = truth.drift;
  for (let i = 0; i < n; i++) {
    const released = model.trackRelease[keys.track[i]];
    d.organic[i] = day < released ? 0 : keys.lambda[i] * f * releaseRamp(day - released);
    const ds = truth.driftSave[i];
    const dk = truth.driftSkip[i];
    d.stream[i] = truth.stream[i];
    d.skip[i] = drifted(truth.skip[i], drift, dk, progress);
    d.save[i] = truth.stream[i] * drifted(truth.save[i], drift, ds, progress);
    d.pStream[i] = truth.promotedStream[i];
    d.pSkip[i] = drifted(truth.promotedSkip[i], drift, dk, progress);
    d.pSave[i] = truth.promotedStream[i] * drifted(truth.promotedSave[i], drift, ds, progress);
    const g = w.group[i];
    const o = d.organic[i];
    d.organicSum[g] += o;
    d.meanStream[g] += o * d.stream[i];
    d.meanSkip[g] += o * d.skip[i];
    d.meanSave[g] += o * d.save[i];
  }
  for (let g = 0; g < w.nGroups; g++) {
    const o = d.organicSum[g];
    // content outside the catalog sample has the catalog's mean rates
    if (o > 0) {
      d.meanStream[g] /= o;
      d.meanSkip[g] /= o;
      d.meanSave[g] /= o;
    }
    // the surface's traffic: its table volume on this weekday, never below what the catalog alone plays
    d.traffic[g] = Math.round(Math.max(w.dailyImpressions[g] * f, 1.05 * o + 4 * Math.sqrt(o) + 10));
    d.capacity[g] = w.maxPromotedShare[g] * w.dailyImpressions[g];
  }
  return d;
}
