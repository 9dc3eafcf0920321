/**
 * The sample's true listener behaviour, for worlds that must answer back (src/simulate/): per
 * engagement key, organic rates (what the generator draws history from) and promoted-context rates
 * (listeners who meet a track because it was boosted skip more, stream less and save less, by
 * amounts that vary by track and market), plus a slow drift of both during a flight.
 *
 * Rates are per impression except `save` and `completion`, which are per stream, as in the
 * generator. Drawn from streams of their own, so the generated dataset does not change.
 */
import type { EngagementKeys } from './engagement.ts';
import { Rng } from './prng.ts';

export interface TruthOptions {
  /** how much worse promoted context is: 1 = the sample's own gap, 0 = none, 2 = twice it */
  promotedPenalty: number;
  /** logit shift of each key's rates by the end of the flight, per unit of its standard normal direction */
  drift: number;
}

export interface KeyTruth {
  /** organic rates per key */
  stream: Float64Array;
  skip: Float64Array;
  save: Float64Array;
  completion: Float64Array;
  /** promoted-context rates per key */
  promotedStream: Float64Array;
  promotedSkip: Float64Array;
  promotedSave: Float64Array;
  /** drift directions (standard normal) of the save and skip logits */
  driftSave: Float32Array;
  driftSkip: Float32Array;
  drift: number;
}

const clamp = (x: number) => Math.min(0.98, Math.max(0.001, x));

export function keyTruth(keys: EngagementKeys, nMarkets: number, seed: string, opts: TruthOptions): KeyTruth {
  const n = keys.track.length;
  const rng = new Rng(`${seed}:truth`);
  const t: KeyTruth = {
    stream: Float64Array.from(keys.stream),
    skip: Float64Array.from(keys.skip),
    save: Float64Array.from(keys.save),
    completion: Float64Array.from(keys.completion),
    promotedStream: new Float64Array(n),
    promotedSkip: new Float64Array(n),
    promotedSave: new Float64Array(n),
    driftSave: new Float32Array(n),
    driftSkip: new Float32Array(n),
    drift: opts.drift,
  };
  const p = opts.promotedPenalty;
  // the save penalty is a property of (track, market): the same on every surface of a pair
  const pairPenalty = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const pair = keys.track[i] * nMarkets + keys.market[i];
    let savePenalty = pairPenalty.get(pair);
    if (savePenalty === undefined) pairPenalty.set(pair, (savePenalty = rng.range(0, 0.35)));
    t.promotedSkip[i] = clamp(keys.skip[i] + p * (keys.promoSkip[i] - keys.skip[i]));
    t.promotedStream[i] = clamp(keys.stream[i] * (1 - p * rng.range(0.04, 0.16)));
    t.promotedSave[i] = clamp(keys.save[i] * Math.max(0.02, 1 - p * savePenalty));
    t.driftSave[i] = rng.normal();
    t.driftSkip[i] = rng.normal();
  }
  return t;
}

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** A rate after `progress` (0 at the flight's start, 1 at its end) of drift along `direction`. */
export function drifted(rate: number, drift: number, direction: number, progress: number): number {
  if (drift === 0 || progress === 0) return rate;
  return clamp(sigmoid(logit(rate) + drift * direction * progress));
}
