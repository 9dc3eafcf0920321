/**
 * The closed-form response of a set of rows to surface prices (lambda_s for capacity, mu_s for the
 * skip budget). With those prices fixed, the LP splits by licensor into fractional knapsacks with
 * unit weights: a row's net value per unit of headroom is rho_r = c_r - lambda_s - mu_s * d_r; a
 * licensor takes its rows with rho_r > 0 in decreasing rho_r until its cap; its price nu_l is the
 * rho of the marginal row (0 when the cap is slack). The Lagrangian at (lambda, mu, nu) is an upper
 * bound on the optimum for any nonnegative prices: that is the dual half of the certificate.
 */
import { scratchF64 } from './scratch.ts';

/** What one pricing pass returns besides the shares (z). */
export interface PriceResult {
  /** sum_l nu_l cap_l + sum_r y_r max(0, rho_r - nu_l): the Lagrangian without the surface terms */
  inner: number;
  /** objective, surface usage and skip usage of the response */
  value: number;
  capacityUsed: Float64Array;
  skipUsed: Float64Array;
  licensorPrice: Float64Array;
}

/**
 * A set of rows laid out licensor by licensor, and within a licensor surface by surface (one
 * segment per (licensor, surface) pair), so the pricing loop reads its two prices once per segment.
 * y is headroom * upper (the most a row can use); shares z are fractions of y.
 */
export class Block {
  readonly n: number;
  private readonly segY: Float64Array;
  private readonly segDY: Float64Array;
  private readonly segCY: Float64Array;

  readonly S: number;
  readonly c: Float64Array;
  readonly y: Float64Array;
  readonly d: Float64Array;
  readonly segStart: Int32Array;
  readonly segSurface: Int32Array;
  readonly licSeg: Int32Array;
  readonly caps: Float64Array;

  constructor(
    S: number,
    c: Float64Array,
    y: Float64Array,
    d: Float64Array,
    /** segment q holds rows [segStart[q], segStart[q + 1]) of surface segSurface[q] */
    segStart: Int32Array,
    segSurface: Int32Array,
    /** licensor l holds segments [licSeg[l], licSeg[l + 1]) */
    licSeg: Int32Array,
    /** licensor caps for these rows */
    caps: Float64Array,
  ) {
    this.S = S;
    this.c = c;
    this.y = y;
    this.d = d;
    this.segStart = segStart;
    this.segSurface = segSurface;
    this.licSeg = licSeg;
    this.caps = caps;
    this.n = c.length;
    const segs = segSurface.length;
    this.segY = new Float64Array(segs);
    this.segDY = new Float64Array(segs);
    this.segCY = new Float64Array(segs);
  }

  /**
   * Prices the rows at (lambda, mu): writes each row's share to z (1, 0, or a fraction for rows tied
   * at a licensor's threshold, which share what is left of the cap in proportion to y).
   */
  price(lambda: Float64Array, mu: Float64Array, z: Float64Array): PriceResult {
    const pv = scratchF64('pv', this.n);
    const py = scratchF64('py', this.n);
    const { c, y, d, segStart, segSurface, licSeg, segY, segDY, segCY, caps } = this;
    const S = this.S;
    const L = caps.length;
    const capacityUsed = new Float64Array(S);
    const skipUsed = new Float64Array(S);
    const licensorPrice = new Float64Array(L);
    let value = 0;
    let inner = 0;
    for (let l = 0; l < L; l++) {
      const q0 = licSeg[l];
      const q1 = licSeg[l + 1];
      let np = 0;
      let total = 0;
      for (let q = q0; q < q1; q++) {
        const g = segSurface[q];
        const lam = lambda[g];
        const mg = mu[g];
        let sy = 0;
        let sdy = 0;
        let scy = 0;
        const e = segStart[q + 1];
        for (let k = segStart[q]; k < e; k++) {
          const ck = c[k];
          const dk = d[k];
          const v = ck - lam - mg * dk;
          // Branch-free (a comparison's 0/1 used as a number compiles to a flag move, not a jump): the
          // sign of v is random from row to row, and a branch on it mispredicts about half the time.
          const yk = y[k];
          const b = ((v > 0) as unknown as number) | 0;
          pv[np] = v;
          py[np] = yk;
          np += b;
          const w = b * yk;
          sy += w;
          sdy += dk * w;
          scy += ck * w;
          z[k] = b;
        }
        segY[q] = sy;
        segDY[q] = sdy;
        segCY[q] = scy;
        total += sy;
      }
      if (np === 0) continue;
      const cap = caps[l];
      if (total <= cap) {
        for (let q = q0; q < q1; q++) {
          const g = segSurface[q];
          capacityUsed[g] += segY[q];
          skipUsed[g] += segDY[q];
          value += segCY[q];
          inner += segCY[q] - lambda[g] * segY[q] - mu[g] * segDY[q];
        }
        continue;
      }
      // The cap binds: rows above the threshold t are in, rows at t share what is left.
      const t = weightedThreshold(pv, py, np, cap);
      let above = 0;
      for (let j = 0; j < split.gt; j++) above += py[j];
      let tied = 0;
      for (let j = split.gt; j < split.lt; j++) tied += py[j];
      const rest = cap - above;
      const f = rest <= 0 ? 0 : rest >= tied ? 1 : rest / tied;
      licensorPrice[l] = t;
      inner += t * cap;
      for (let q = q0; q < q1; q++) {
        const g = segSurface[q];
        const lam = lambda[g];
        const mg = mu[g];
        let sy = 0;
        let sdy = 0;
        let scy = 0;
        let si = 0;
        const e = segStart[q + 1];
        for (let k = segStart[q]; k < e; k++) {
          const ck = c[k];
          const dk = d[k];
          // The same arithmetic as above, so the same v.
          const v = ck - lam - mg * dk;
          const a = ((v > t) as unknown as number) | 0;
          const zk = a + (((v === t) as unknown as number) | 0) * f;
          z[k] = zk;
          const w = zk * y[k];
          sy += w;
          sdy += dk * w;
          scy += ck * w;
          si += a * (v - t) * y[k];
        }
        capacityUsed[g] += sy;
        skipUsed[g] += sdy;
        value += scy;
        inner += si;
      }
    }
    return { inner, value, capacityUsed, skipUsed, licensorPrice };
  }
}

/** Builds a block row by row, segment by segment (rows of a licensor together, licensors ascending). */
export class BlockBuilder {
  private k = 0;
  private q = 0;
  private l = -1;
  private g = -1;
  readonly c: Float64Array;
  readonly y: Float64Array;
  readonly d: Float64Array;
  private readonly segStart: Int32Array;
  private readonly segSurface: Int32Array;
  private readonly licSeg: Int32Array;

  private readonly S: number;
  private readonly L: number;

  /** at most rows rows in at most segments segments */
  constructor(
    S: number,
    L: number,
    rows: number,
    segments: number,
  ) {
    this.S = S;
    this.L = L;
    this.c = new Float64Array(rows);
    this.y = new Float64Array(rows);
    this.d = new Float64Array(rows);
    this.segStart = new Int32Array(segments + 1);
    this.segSurface = new Int32Array(segments);
    this.licSeg = new Int32Array(L + 1);
  }

  push(l: number, g: number, c: number, y: number, d: number): number {
    if (l !== this.l || g !== this.g) {
      for (let j = this.l + 1; j <= l; j++) this.licSeg[j] = this.q;
      this.segStart[this.q] = this.k;
      this.segSurface[this.q] = g;
      this.q++;
      this.licSeg[l + 1] = this.q;
      this.l = l;
      this.g = g;
    }
    const k = this.k++;
    this.c[k] = c;
    this.y[k] = y;
    this.d[k] = d;
    return k;
  }

  build(caps: Float64Array): Block {
    const { k, q } = this;
    for (let j = this.l + 1; j < this.L; j++) this.licSeg[j + 1] = q;
    this.segStart[q] = k;
    return new Block(
      this.S,
      this.c.subarray(0, k),
      this.y.subarray(0, k),
      this.d.subarray(0, k),
      this.segStart.slice(0, q + 1),
      this.segSurface.slice(0, q),
      this.licSeg,
      caps,
    );
  }
}

/** Where weightedThreshold left the items: [0, gt) above the key, [gt, lt) equal, [lt, n) below. */
export const split = { gt: 0, lt: 0 };

/**
 * The key t at which the weight of keys sorted descending first reaches target (total weight of
 * the items exceeds target). Quickselect with a three-way partition over parallel arrays (key,
 * weight), reordered in place; the final layout is left in `split`.
 */
export function weightedThreshold(key: Float64Array, weight: Float64Array, n: number, target: number): number {
  let lo = 0;
  let hi = n;
  for (;;) {
    if (hi - lo <= 1) {
      split.gt = lo;
      split.lt = lo + 1;
      return key[lo];
    }
    const a = key[lo];
    const b = key[(lo + hi) >>> 1];
    const c = key[hi - 1];
    const p = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    // [lo, gt) > p, [gt, i) == p, [lt, hi) < p
    let gt = lo;
    let i = lo;
    let lt = hi;
    let wGt = 0;
    let wEq = 0;
    while (i < lt) {
      const v = key[i];
      if (v > p) {
        wGt += weight[i];
        swap(key, weight, gt, i);
        gt++;
        i++;
      } else if (v < p) {
        lt--;
        swap(key, weight, lt, i);
      } else {
        wEq += weight[i];
        i++;
      }
    }
    if (wGt >= target && gt > lo) {
      hi = gt;
    } else if (wGt + wEq >= target || lt >= hi) {
      split.gt = gt;
      split.lt = lt;
      return p;
    } else {
      target -= wGt + wEq;
      lo = lt;
    }
  }
}

function swap(key: Float64Array, weight: Float64Array, i: number, j: number): void {
  const kv = key[i];
  key[i] = key[j];
  key[j] = kv;
  const wv = weight[i];
  weight[i] = weight[j];
  weight[j] = wv;
}
