/**
 * The randomized holdout (docs/snapshots.md, "Propensity"): a deterministic hash of (as-of, row key)
 * sends a spec-set share ε of the **candidate** rows — eligible, and within the skip budget by the
 * job's own pessimistic estimate (skip excess ≤ 0) — to a randomized boost, 1 or max_boost with
 * probability 1/2 each, whatever the LP decided. A drawn boost thus never adds to a surface's skip
 * budget what the LP was not allowed to spend (each candidate's excess is ≤ 0), so randomizing
 * cannot push the listener guardrail over by the job's estimates. Every row logs the probability of
 * its published boost under that design, so a counterfactual evaluation (replay) can weight
 * outcomes without bias:
 *
 *   candidate outside the holdout, LP share s: P = (1 − ε) + (ε/2 if s is 0 or 1, else 0)
 *   holdout row that drew d ∈ {0, 1}:           P = ε/2 + (1 − ε if the LP share equals d, else 0)
 *   eligible row with skip excess > 0:          P = 1 (its boost is the LP's)
 *   ineligible row (upper = 0):                 P = 1 (it is never boosted)
 *
 * The `share` column stays the LP's solution (so the LP and its certificate re-check from the
 * snapshot alone); only `boost`, what the ranker applies, carries the draw, and the HOLDOUT reason
 * bit marks the rows whose boost was drawn.
 */
import type { Vector } from 'apache-arrow';
import type { HoldoutDesign } from '../snapshot/contract.ts';
import { rowKeyHashes, uniformPair } from './kernels/keys.ts';
import { Reason } from './reasons.ts';

export interface HoldoutColumns {
  upper: Float64Array;
  /** k⁺ − baseline − τ per row: only rows at or below 0 can be drawn */
  skipExcess: Float64Array;
  share: Float64Array;
  /** updated in place for holdout rows */
  boost: Float32Array;
  reason: Uint32Array;
}

/** The seed string of the holdout hash: the as-of alone, so a rerun of the same day draws the same. */
export function holdoutSeed(asOf: string): string {
  return `holdout|${asOf}`;
}

/** Applies the holdout to the LP's boosts; returns the propensity column and the design for the manifest. */
export function applyHoldout(share: number, maxBoost: number, asOf: string, keys: Vector[], cols: HoldoutColumns): { propensity: Float32Array; design: HoldoutDesign } {
  const n = cols.upper.length;
  const propensity = new Float32Array(n).fill(1);
  const design: HoldoutDesign = {
    share,
    key: ['track_id', 'market', 'surface', 'campaign_id'],
    seed: holdoutSeed(asOf),
    boosts: [1, maxBoost],
    probabilities: [0.5, 0.5],
  };
  if (n === 0) return { propensity, design };
  const h = rowKeyHashes(keys, design.seed);
  for (let r = 0; r < n; r++) {
    if (!(cols.upper[r] > 0) || !(cols.skipExcess[r] <= 0)) continue;
    const [member, draw] = uniformPair(h[r]);
    const s = cols.share[r];
    if (member < share) {
      const d = draw < 0.5 ? 0 : 1;
      cols.boost[r] = d === 1 ? maxBoost : 1;
      cols.reason[r] |= Reason.HOLDOUT;
      propensity[r] = share / 2 + (s === d ? 1 - share : 0);
    } else {
      propensity[r] = 1 - share + (s === 0 || s === 1 ? share / 2 : 0);
    }
  }
  return { propensity, design };
}
