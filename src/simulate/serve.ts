/**
 * One day of serving: how a published boost turns into promoted impressions, and how those displace
 * organic ones (docs/evaluation.md, "The response to a boost").
 *
 * For a key with expected organic exposure O and intent b = Σ (boost − 1) over its published rows,
 * the expected promoted impressions are
 *
 *     P = O · K · (1 − exp(−b / K)) · exp(σ·z − σ²/2)        K = SATURATION, σ = NOISE, z ~ N(0, 1)
 *
 * monotone in b, ≈ O·b for small boosts, and never above K·O (a track cannot be pushed to more than
 * K times its own audience). Per (market, surface) the promoted total is capped by the surface's
 * traffic T; every promoted impression displaces an organic one, spread over the surface's organic
 * traffic (catalog keys and the content outside the catalog alike): organic exposure becomes
 * O·(1 − θ) with θ = ΣP / T. Realized counts are Poisson draws coupled across policies, and the
 * content outside the catalog takes the rest of T, so promoted + organic = T exactly per group.
 */
import { normalQuantile, poissonInv, uniform } from './draws.ts';
import type { DayTruth, World } from './world.ts';

export const SATURATION = 3;
export const NOISE = 0.15;

const PURPOSE_NOISE = 1;
const PURPOSE_PROMOTED = 2;
const PURPOSE_ORGANIC = 3;

export interface Served {
  /** expected promoted impressions per key (after saturation, noise and the traffic cap) */
  promotedMean: Float64Array;
  /** expected organic impressions per key after displacement */
  organicMean: Float64Array;
  /** realized counts per key */
  promoted: Int32Array;
  organic: Int32Array;
  /** per group: expected promoted total, displaced share θ, realized other-content impressions */
  groupPromoted: Float64Array;
  theta: Float64Array;
  other: Float64Array;
}

export function serveDay(w: World, truth: DayTruth, intent: Float64Array, seed: number): Served {
  const n = w.nKeys;
  const G = w.nGroups;
  const s: Served = {
    promotedMean: new Float64Array(n),
    organicMean: new Float64Array(n),
    promoted: new Int32Array(n),
    organic: new Int32Array(n),
    groupPromoted: new Float64Array(G),
    theta: new Float64Array(G),
    other: new Float64Array(G),
  };
  const day = truth.day;
  for (let i = 0; i < n; i++) {
    const b = intent[i];
    const o = truth.organic[i];
    if (!(b > 0) || !(o > 0)) continue;
    const z = normalQuantile(uniform(seed, day, i, PURPOSE_NOISE));
    const p = o * SATURATION * (1 - Math.exp(-b / SATURATION)) * Math.exp(NOISE * z - (NOISE * NOISE) / 2);
    s.promotedMean[i] = p;
    s.groupPromoted[w.group[i]] += p;
  }
  const scale = new Float64Array(G).fill(1);
  for (let g = 0; g < G; g++) {
    const T = truth.traffic[g];
    if (s.groupPromoted[g] > T) {
      scale[g] = T / s.groupPromoted[g];
      s.groupPromoted[g] = T;
    }
    s.theta[g] = T > 0 ? s.groupPromoted[g] / T : 0;
  }
  const used = new Float64Array(G);
  for (let i = 0; i < n; i++) {
    const g = w.group[i];
    if (scale[g] !== 1) s.promotedMean[i] *= scale[g];
    s.organicMean[i] = truth.organic[i] * (1 - s.theta[g]);
    if (s.promotedMean[i] > 0) s.promoted[i] = poissonInv(s.promotedMean[i], uniform(seed, day, i, PURPOSE_PROMOTED));
    if (s.organicMean[i] > 0) s.organic[i] = poissonInv(s.organicMean[i], uniform(seed, day, i, PURPOSE_ORGANIC));
    used[g] += s.promoted[i] + s.organic[i];
  }
  // the traffic is fixed: when the draws overshoot it (tiny surfaces), the largest organic keys give way
  for (let g = 0; g < G; g++) {
    let over = used[g] - truth.traffic[g];
    if (over > 0) {
      for (let i = 0; i < n && over > 0; i++) {
        if (w.group[i] !== g) continue;
        const cut = Math.min(s.organic[i], over);
        s.organic[i] -= cut;
        over -= cut;
      }
      for (let i = 0; i < n && over > 0; i++) {
        if (w.group[i] !== g) continue;
        const cut = Math.min(s.promoted[i], over);
        s.promoted[i] -= cut;
        over -= cut;
      }
      used[g] = truth.traffic[g];
    }
    s.other[g] = truth.traffic[g] - used[g];
  }
  return s;
}
