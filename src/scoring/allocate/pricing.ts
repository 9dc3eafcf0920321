/**
 * The closed-form response of one market's rows to surface prices (lambda_s for capacity, mu_s for
 * the skip budget). With those prices fixed, the LP splits by licensor into fractional knapsacks with
 * unit weights: a row's net value per unit of headroom is rho_r = c_r - lambda_s - mu_s * d_r; a
 * licensor takes its rows with rho_r > 0 in decreasing rho_r until its cap; its price nu_l is the
 * rho of the marginal row (0 when the cap is slack). The Lagrangian at (lambda, mu, nu) is an upper
 * bound on the optimum for any nonnegative prices: that is the dual half of the certificate.
 */
import type { MarketProblem } from './problem.ts';

export interface PriceResult {
  /** Lagrangian dual value: a valid upper bound on the market's optimum */
  dual: number;
  /** objective, surface usage and skip usage of the response */
  value: number;
  capacityUsed: Float64Array;
  skipUsed: Float64Array;
  licensorPrice: Float64Array;
}

/** The market's active rows (positive headroom, not fixed to 0) laid out licensor by licensor. */
export class PricingOracle {
  readonly rows: Int32Array;
  readonly start: Int32Array;
  readonly c: Float64Array;
  readonly y: Float64Array; // headroom * upper: the most a row can use
  readonly d: Float64Array;
  readonly s: Int32Array;
  private readonly rho: Float64Array;
  private readonly pos: Int32Array;
  private readonly sel: Int32Array;

  constructor(
    readonly problem: MarketProblem,
    active: Uint8Array,
  ) {
    const L = problem.licensorCap.length;
    const counts = new Int32Array(L + 1);
    let n = 0;
    for (let r = 0; r < active.length; r++) {
      if (active[r]) {
        counts[problem.licensor[r] + 1]++;
        n++;
      }
    }
    for (let l = 0; l < L; l++) counts[l + 1] += counts[l];
    this.start = counts.slice();
    const fill = counts.slice(0, L);
    this.rows = new Int32Array(n);
    this.c = new Float64Array(n);
    this.y = new Float64Array(n);
    this.d = new Float64Array(n);
    this.s = new Int32Array(n);
    for (let r = 0; r < active.length; r++) {
      if (!active[r]) continue;
      const k = fill[problem.licensor[r]]++;
      this.rows[k] = r;
      this.c[k] = problem.value[r];
      this.y[k] = problem.headroom[r] * problem.upper[r];
      this.d[k] = problem.skipExcess[r];
      this.s[k] = problem.surface[r];
    }
    this.rho = new Float64Array(n);
    this.pos = new Int32Array(n);
    this.sel = new Int32Array(n);
  }

  /**
   * Prices the rows at (lambda, mu). When acc is given, adds weight * (x_r / upper_r) of the
   * response to acc (indexed like this.rows).
   */
  price(lambda: Float64Array, mu: Float64Array, acc?: Float64Array, weight = 1): PriceResult {
    const { c, y, d, s, rho, pos, sel, start } = this;
    const caps = this.problem.licensorCap;
    const S = lambda.length;
    const L = caps.length;
    const capacityUsed = new Float64Array(S);
    const skipUsed = new Float64Array(S);
    const licensorPrice = new Float64Array(L);
    let value = 0;
    let dual = 0;
    for (let i = 0; i < S; i++) dual += lambda[i] * this.problem.capacity[i];
    for (let l = 0; l < L; l++) {
      const lo = start[l];
      const hi = start[l + 1];
      let np = 0;
      let total = 0;
      for (let k = lo; k < hi; k++) {
        const g = s[k];
        const v = c[k] - lambda[g] - mu[g] * d[k];
        rho[k] = v;
        if (v > 0) {
          pos[np++] = k;
          total += y[k];
        }
      }
      if (np === 0) continue;
      const cap = caps[l];
      if (total <= cap) {
        for (let j = 0; j < np; j++) {
          const k = pos[j];
          const yk = y[k];
          value += c[k] * yk;
          capacityUsed[s[k]] += yk;
          skipUsed[s[k]] += d[k] * yk;
          dual += rho[k] * yk;
          if (acc) acc[k] += weight;
        }
        continue;
      }
      for (let j = 0; j < np; j++) sel[j] = pos[j];
      const t = weightedThreshold(sel, np, rho, y, cap);
      licensorPrice[l] = t;
      dual += t * cap;
      let above = 0;
      for (let j = 0; j < np; j++) {
        const k = pos[j];
        if (rho[k] > t) {
          const yk = y[k];
          above += yk;
          value += c[k] * yk;
          capacityUsed[s[k]] += yk;
          skipUsed[s[k]] += d[k] * yk;
          dual += (rho[k] - t) * yk;
          if (acc) acc[k] += weight;
        }
      }
      // Rows tied at the threshold share what is left, in row order (deterministic).
      let rest = cap - above;
      for (let j = 0; j < np && rest > 0; j++) {
        const k = pos[j];
        if (rho[k] !== t) continue;
        const yk = y[k];
        const take = yk < rest ? yk : rest;
        rest -= take;
        value += c[k] * take;
        capacityUsed[s[k]] += take;
        skipUsed[s[k]] += d[k] * take;
        if (acc) acc[k] += (weight * take) / yk;
      }
    }
    return { dual, value, capacityUsed, skipUsed, licensorPrice };
  }
}

/**
 * The key t at which the weight of keys sorted descending first reaches target (total weight of
 * the items exceeds target). Quickselect with a three-way partition; reorders idx[0..n).
 */
export function weightedThreshold(
  idx: Int32Array,
  n: number,
  key: Float64Array,
  weight: Float64Array,
  target: number,
): number {
  let lo = 0;
  let hi = n;
  for (;;) {
    if (hi - lo <= 1) return key[idx[lo]];
    const a = key[idx[lo]];
    const b = key[idx[(lo + hi) >>> 1]];
    const c = key[idx[hi - 1]];
    const p = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    // [lo, gt) > p, [gt, i) == p, [lt, hi) < p
    let gt = lo;
    let i = lo;
    let lt = hi;
    let wGt = 0;
    let wEq = 0;
    while (i < lt) {
      const v = key[idx[i]];
      if (v > p) {
        wGt += weight[idx[i]];
        const tmp = idx[gt];
        idx[gt] = idx[i];
        idx[i] = tmp;
        gt++;
        i++;
      } else if (v < p) {
        lt--;
        const tmp = idx[lt];
        idx[lt] = idx[i];
        idx[i] = tmp;
      } else {
        wEq += weight[idx[i]];
        i++;
      }
    }
    if (wGt >= target && gt > lo) {
      hi = gt;
    } else if (wGt + wEq >= target || lt >= hi) {
      return p;
    } else {
      target -= wGt + wEq;
      lo = lt;
    }
  }
}
