/**
 * The day's outcomes, drawn from the truth: for every key with realized impressions, an organic row
 * (organic rates) and a promoted row (promoted-context rates), with binomial streams, skips, saves
 * and completions (saves and completions out of streams). Draws are seeded by (world, day, key,
 * context), so two policies that served a key alike observe the same outcomes.
 */
import { KeyStream, hash4 } from './draws.ts';
import type { EngagementRows } from './engine.ts';
import type { Served } from './serve.ts';
import type { DayTruth, World } from './world.ts';

const PURPOSE_ORGANIC_OUTCOMES = 11;
const PURPOSE_PROMOTED_OUTCOMES = 12;

export function allocateRows(capacity: number): EngagementRows {
  return {
    n: 0,
    day: new Int32Array(capacity),
    track: new Int32Array(capacity),
    market: new Int32Array(capacity),
    surface: new Int32Array(capacity),
    promoted: new Uint8Array(capacity),
    impressions: new Int32Array(capacity),
    streams: new Int32Array(capacity),
    skips: new Int32Array(capacity),
    saves: new Int32Array(capacity),
    completions: new Int32Array(capacity),
  };
}

export function drawOutcomes(w: World, truth: DayTruth, served: Served, seed: number, out: EngagementRows = allocateRows(2 * w.nKeys)): EngagementRows {
  const ks = new KeyStream();
  const { keys } = w;
  let r = 0;
  const push = (i: number, promoted: number, imp: number, stream: number, skip: number, savePerImp: number) => {
    ks.reset(hash4(seed, truth.day, i, promoted ? PURPOSE_PROMOTED_OUTCOMES : PURPOSE_ORGANIC_OUTCOMES));
    const streams = ks.binomial(imp, stream);
    out.day[r] = truth.day;
    out.track[r] = keys.track[i];
    out.market[r] = keys.market[i];
    out.surface[r] = keys.surface[i];
    out.promoted[r] = promoted;
    out.impressions[r] = imp;
    out.streams[r] = streams;
    out.skips[r] = ks.binomial(imp, skip);
    out.saves[r] = ks.binomial(streams, stream > 0 ? Math.min(1, savePerImp / stream) : 0);
    out.completions[r] = ks.binomial(streams, truth.completion[i]);
    r++;
  };
  for (let i = 0; i < w.nKeys; i++) {
    if (served.organic[i] > 0) push(i, 0, served.organic[i], truth.stream[i], truth.skip[i], truth.save[i]);
    if (served.promoted[i] > 0) push(i, 1, served.promoted[i], truth.pStream[i], truth.pSkip[i], truth.pSave[i]);
  }
  out.n = r;
  return out;
}
