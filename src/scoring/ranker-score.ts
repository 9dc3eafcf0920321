/**
 * The published `score`: what a ranker sorts by (docs/scoring.md, "Outputs per row").
 *
 * For an eligible row it is the net value after the shadow prices, c - lambda_s - nu_l - mu_s * d,
 * put in agreement with the row's share: at an exact LP optimum, a full boost has net value >= 0, a
 * partial one exactly 0 (it is the marginal row) and an unallocated one <= 0. The solver's shares
 * are a mixture and its prices the best dual point, so within the certified gap some rows disagree;
 * the score is clamped to its share's side (full: max(net, 0); partial: 0; none: min(net, 0)), and
 * never below ELIGIBLE_FLOOR. An ineligible row (upper = 0) scores INELIGIBLE_SCORE, the lowest
 * finite float32, so it ranks below every eligible row.
 */

/** The lowest finite float32: the score of every ineligible row. */
export const INELIGIBLE_SCORE = -3.4028234663852886e38;
/** Eligible rows never score below this (far above INELIGIBLE_SCORE in float32). */
export const ELIGIBLE_FLOOR = -1e38;
/** A share this close to its upper bound is a full boost (the reason bit uses the same rule). */
export const FULL_BOOST_RATIO = 1 - 1e-9;

export function rankerScores(netValue: Float64Array, share: Float64Array, upper: Float64Array): Float32Array {
  const n = netValue.length;
  const out = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const ub = upper[r];
    if (!(ub > 0)) {
      out[r] = INELIGIBLE_SCORE;
      continue;
    }
    const x = share[r];
    let s = netValue[r];
    if (x >= ub * FULL_BOOST_RATIO) s = s > 0 ? s : 0;
    else if (x > 0) s = 0;
    else s = s < 0 ? s : 0;
    out[r] = s < ELIGIBLE_FLOOR ? ELIGIBLE_FLOOR : s;
  }
  return out;
}
