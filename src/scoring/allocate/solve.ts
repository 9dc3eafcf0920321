/**
 * Solves one market's allocation LP by column generation over surface prices (Dantzig-Wolfe on
 * the surface constraints, licensor caps kept in the closed-form pricing): the master mixes priced
 * responses under the surface capacity and skip rows; its duals are the next surface prices. Every
 * full pricing yields a valid dual bound; the mixed response is the primal. The loop stops once the
 * relative gap is below the tolerance; x is then repaired to exact feasibility and certified.
 *
 * Most rows' responses never change once the prices are roughly right, so the loop works on a core:
 * the rows whose net value is near their licensor's threshold at a reference price point. Rows off
 * the core keep their reference response; the master mixes responses of the core alone (each still
 * a whole, licensor-feasible x). When that restricted problem has converged, one full pass at its
 * best prices checks the bound over every row: a row whose response differs joins the core. The
 * reference prices come from the same method on a stride sample of the rows (recursively).
 */
import type { Certificate } from '../../snapshot/contract.ts';
import { solveMaster } from './master.ts';
import { Block, weightedThreshold } from './pricing.ts';
import { scratchF64, scratchI32 } from './scratch.ts';
import type { MarketProblem, MarketSolution, SurfacePrices } from './problem.ts';

/** Weight of the best dual point in the smoothed prices. */
const SMOOTHING = 0.5;
/** Below this many rows the loop prices every row; above, it works on a core. */
const CORE_ABOVE = 6000;
/** Fraction of rows in the first core (the ones nearest their threshold); doubled on each expansion. */
const CORE_FRACTION = 0.06;
/** A block this large takes its reference prices from a stride sample of 1 in SAMPLE_STRIDE rows. */
const SAMPLE_ABOVE = 6000;
const SAMPLE_STRIDE = 8;
/** The sample only places the prices: a looser gap will do. */
const SAMPLE_TOLERANCE = 1e-3;

export interface SolveOptions {
  tolerance: number;
  maxIterations: number;
  warmStart?: SurfacePrices;
}

interface Prices {
  lambda: Float64Array;
  mu: Float64Array;
}

interface Bound extends Prices {
  dual: number;
  licensorPrice: Float64Array;
}

interface Column extends Prices {
  value: number;
  capacityUsed: Float64Array;
  skipUsed: Float64Array;
  /** shares of the rows idx (the core when priced), or of every row when idx is undefined */
  z: Float64Array;
  idx?: Int32Array;
  /** the reference response this column holds on every row off idx */
  ref?: Float64Array;
}

interface Stats {
  iterations: number;
  pricings: number;
  pricedRows: number;
}

interface Scales {
  omega: number;
  capScale: Float64Array;
  skipScale: Float64Array;
}

interface EngineResult {
  best: Bound;
  columns: Column[];
  weights: Float64Array;
}

export function solveMarket(p: MarketProblem, opts: SolveOptions): MarketSolution {
  const n = p.value.length;
  const S = p.capacity.length;
  const L = p.licensorCap.length;
  checkShape(p);

  // One pass: validate, and count the rows that can help per (licensor, surface). The rest are
  // fixed to 0: no headroom, no capacity or cap, or a row that only costs.
  const { value, headroom, upper, skipExcess, surface, licensor, capacity, licensorCap } = p;
  const counts = scratchI32('counts', L * S + 1).fill(0);
  const zeroCapPrice = new Float64Array(S);
  const open = new Uint8Array(L * S);
  for (let l = 0; l < L; l++) {
    if (!(licensorCap[l] > 0)) continue;
    for (let g = 0; g < S; g++) open[l * S + g] = capacity[g] > 0 ? 1 : 0;
  }
  let m = 0;
  let bad = 0;
  for (let r = 0; r < n; r++) {
    const v = value[r];
    const h = headroom[r];
    const u = upper[r];
    const e = skipExcess[r];
    const g = surface[r];
    const l = licensor[r];
    // NaN unless all four are finite; headroom and upper must also be >= 0.
    if (!(v * 0 + e * 0 + h * 0 + u * 0 === 0) || h < 0 || u < 0 || g >>> 0 >= S || l >>> 0 >= L) {
      bad = 1;
      break;
    }
    const key = l * S + g;
    if (h > 0 && u > 0 && open[key] === 1 && (v > 0 || e < 0)) {
      counts[key + 1]++;
      m++;
    }
  }
  if (bad) checkRows(p);
  for (let g = 0; g < S; g++) {
    // Surfaces without capacity: any price keeps their rows out; report one that does.
    if (capacity[g] > 0) continue;
    for (let r = 0; r < n; r++) if (surface[r] === g && value[r] > zeroCapPrice[g]) zeroCapPrice[g] = value[r];
  }
  for (let i = 0; i < L * S; i++) counts[i + 1] += counts[i];
  const rows = scratchI32('rows', m);
  const c = scratchF64('c', m);
  const y = scratchF64('y', m);
  const d = scratchF64('d', m);
  const s = scratchI32('s', m);
  const lic = scratchI32('lic', m);
  const ub = scratchF64('ub', m);
  let omega = 0;
  const skipScale = new Float64Array(S);
  for (let r = 0; r < n; r++) {
    const v = value[r];
    const h = headroom[r];
    const u = upper[r];
    const e = skipExcess[r];
    const g = surface[r];
    const l = licensor[r];
    const key = l * S + g;
    if (!(h > 0 && u > 0 && open[key] === 1 && (v > 0 || e < 0))) continue;
    const k = counts[key]++;
    const yk = h * u;
    rows[k] = r;
    c[k] = v;
    y[k] = yk;
    d[k] = e;
    s[k] = g;
    lic[k] = l;
    ub[k] = u;
    omega += Math.abs(v) * yk;
    skipScale[g] += Math.abs(e) * yk;
  }
  // Scales keep the master's numbers near 1.
  if (!(omega > 0)) omega = 1;
  const capScale = new Float64Array(S);
  for (let g = 0; g < S; g++) {
    capScale[g] = capacity[g] > 0 ? capacity[g] : 1;
    if (!(skipScale[g] > 0)) skipScale[g] = 1;
  }
  const full = new Block(S, c, y, d, s, lic, licensorCap);
  const scales: Scales = { omega, capScale, skipScale };
  const stats: Stats = { iterations: 0, pricings: 0, pricedRows: 0 };
  const start = opts.warmStart
    ? { lambda: clampPrices(opts.warmStart.capacity, S), mu: clampPrices(opts.warmStart.skip, S) }
    : undefined;
  const res = engine(full, capacity, scales, opts.tolerance, opts.maxIterations, start, stats, true);
  const { best, columns, weights } = res;

  // The primal: the master's mixture of responses, row by row (a core column is its reference
  // response with the core rows replaced).
  const zsum = scratchF64('zsum', m).fill(0);
  const refWeight = new Map<Float64Array, number>();
  for (let j = 0; j < weights.length; j++) {
    const w = weights[j];
    if (!(w > 0)) continue;
    const { idx, z, ref } = columns[j];
    if (idx && ref) {
      refWeight.set(ref, (refWeight.get(ref) ?? 0) + w);
      for (let i = 0; i < idx.length; i++) zsum[idx[i]] += w * (z[i] - ref[idx[i]]);
    } else {
      for (let k = 0; k < m; k++) zsum[k] += w * z[k];
    }
  }
  for (const [ref, w] of refWeight) for (let k = 0; k < m; k++) zsum[k] += w * ref[k];
  const x = new Float64Array(n);
  const usage = repair(full, zsum, capacity, x, rows, ub);

  const capacityPrice = best.lambda.slice();
  const skipPrice = best.mu.slice();
  for (let g = 0; g < S; g++) if (zeroCapPrice[g] > capacityPrice[g]) capacityPrice[g] = zeroCapPrice[g];
  let maxViolation = 0;
  for (let g = 0; g < S; g++) {
    maxViolation = Math.max(
      maxViolation,
      excess(usage.capacityUsed[g], capacity[g]),
      Math.max(0, usage.skipUsed[g]) / skipScale[g],
    );
  }
  for (let l = 0; l < L; l++) maxViolation = Math.max(maxViolation, excess(usage.licensorUsed[l], licensorCap[l]));
  const dualBound = m === 0 ? 0 : Math.max(best.dual, usage.value);
  const certificate: Certificate = {
    primal: usage.value,
    dual_bound: dualBound,
    gap: relativeGap(dualBound, usage.value, omega),
    max_violation: maxViolation,
  };
  return {
    x,
    capacityPrice,
    skipPrice,
    licensorPrice: best.licensorPrice.slice(),
    capacityUsed: usage.capacityUsed,
    skipUsed: usage.skipUsed,
    licensorUsed: usage.licensorUsed,
    certificate,
    iterations: stats.iterations,
    pricings: stats.pricings,
    pricedRows: stats.pricedRows,
  };
}

/**
 * Column generation on the rows of F under the surface rows (capacity, skip budget <= 0).
 * Returns the best dual point over full pricings and the master's final mixture.
 */
function engine(
  F: Block,
  capacity: Float64Array,
  scales: Scales,
  tolerance: number,
  maxIterations: number,
  start: Prices | undefined,
  stats: Stats,
  top: boolean,
): EngineResult {
  const S = capacity.length;
  const n = F.n;
  const { omega, capScale, skipScale } = scales;
  // A warm start only seeds the sample's solve: stale prices would center the core on the wrong rows.
  const p0 = n > SAMPLE_ABOVE ? samplePrices(F, capacity, maxIterations, start, stats) : (start ?? fillPrices(F, capacity));

  const surfaceTerm = (pr: Prices): number => {
    let t = 0;
    for (let g = 0; g < S; g++) t += pr.lambda[g] * capacity[g];
    return t;
  };
  const columns: Column[] = [];
  const fullPrice = (pr: Prices): { col: Column; bound: Bound } => {
    if (top) stats.pricings++;
    stats.pricedRows += n;
    const z = new Float64Array(n);
    const r = F.price(pr.lambda, pr.mu, z);
    const col: Column = { ...pr, value: r.value, capacityUsed: r.capacityUsed, skipUsed: r.skipUsed, z };
    columns.push(col);
    return { col, bound: { ...pr, dual: surfaceTerm(pr) + r.inner, licensorPrice: r.licensorPrice } };
  };

  const first = fullPrice(p0);
  let z0 = first.col.z;
  let best = first.bound;
  const exact = n <= CORE_ABOVE;

  // The core and the fixed contribution of the rows off it (at their reference response z0).
  let core: Block = F;
  let coreIdx: Int32Array | undefined;
  let fixed: Fixed = { value: 0, cap: new Float64Array(S), skip: new Float64Array(S) };
  let fraction = CORE_FRACTION;
  const center = (pr: Prices, licensorPrice: Float64Array): void => {
    const sel = selectCore(F, pr, licensorPrice, bandFor(F, pr, licensorPrice, fraction), z0);
    coreIdx = sel.idx;
    fixed = sel.fixed;
    core = F.gather(sel.idx, sel.caps);
  };
  if (!exact) center(p0, first.bound.licensorPrice);
  // At the reference point the core's response is the full response: the same bound.
  let bestR: Bound = best;

  const corePrice = (pr: Prices): { col: Column; bound: Bound } => {
    if (exact) return fullPrice(pr);
    stats.pricedRows += core.n;
    const z = new Float64Array(core.n);
    const r = core.price(pr.lambda, pr.mu, z);
    const capacityUsed = new Float64Array(S);
    const skipUsed = new Float64Array(S);
    let dual = surfaceTerm(pr) + fixed.value + r.inner;
    for (let g = 0; g < S; g++) {
      capacityUsed[g] = fixed.cap[g] + r.capacityUsed[g];
      skipUsed[g] = fixed.skip[g] + r.skipUsed[g];
      dual -= pr.lambda[g] * fixed.cap[g] + pr.mu[g] * fixed.skip[g];
    }
    const col: Column = { ...pr, value: fixed.value + r.value, capacityUsed, skipUsed, z, idx: coreIdx, ref: z0 };
    columns.push(col);
    return { col, bound: { ...pr, dual, licensorPrice: r.licensorPrice } };
  };

  let weights: Float64Array = new Float64Array(0);
  const rowsM = 2 * S + 1;
  const b = new Float64Array(rowsM);
  for (let g = 0; g < S; g++) b[g] = capacity[g] / capScale[g];
  b[2 * S] = 1;
  const stopGap = tolerance * 0.5;
  const innerGap = tolerance * 0.25;
  const cvec: number[] = [];
  const a: Float64Array[] = [];
  let iterations = 0;

  while (iterations < maxIterations) {
    iterations++;
    if (top) stats.iterations++;
    for (let j = cvec.length; j < columns.length; j++) {
      const col = columns[j];
      cvec.push(col.value / omega);
      const v = new Float64Array(rowsM);
      for (let g = 0; g < S; g++) {
        v[g] = col.capacityUsed[g] / capScale[g];
        v[S + g] = col.skipUsed[g] / skipScale[g];
      }
      v[2 * S] = 1;
      a.push(v);
    }
    const master = solveMaster(cvec, a, b);
    weights = master.w;
    const primal = master.objective * omega;
    if (relativeGap(best.dual, primal, omega) <= stopGap) break;

    if (!exact && relativeGap(bestR.dual, primal, omega) <= innerGap) {
      // The core has converged: check its prices against every row.
      const { col, bound } = fullPrice(bestR);
      if (bound.dual < best.dual) best = bound;
      if (relativeGap(best.dual, primal, omega) <= stopGap) break;
      // Re-center: these prices become the reference, with a somewhat wider core around them.
      // Earlier columns keep their own reference; the master still mixes them.
      fraction = Math.min(1, fraction * 1.5);
      z0 = col.z;
      center(bound, bound.licensorPrice);
      bestR = bound;
      continue;
    }

    const lambdaM = new Float64Array(S);
    const muM = new Float64Array(S);
    for (let g = 0; g < S; g++) {
      lambdaM[g] = (master.y[g] * omega) / capScale[g];
      muM[g] = (master.y[S + g] * omega) / skipScale[g];
    }
    const convexityPrice = master.y[2 * S] * omega;
    // Reduced cost of a priced response against the master's duals: > 0 means it improves the master.
    const reducedCost = (col: Column): number => {
      let rc = col.value - convexityPrice;
      for (let g = 0; g < S; g++) rc -= lambdaM[g] * col.capacityUsed[g] + muM[g] * col.skipUsed[g];
      return rc;
    };
    const take = (pr: Prices): Column => {
      const { col, bound } = corePrice(pr);
      if (bound.dual < bestR.dual) bestR = bound;
      if (exact && bound.dual < best.dual) best = bound;
      return col;
    };
    // Smoothing (Wentges): price between the best dual point and the master's duals, which damps
    // the oscillation of plain cutting planes; fall back to the master's duals when that misprices.
    let col: Column;
    if (SMOOTHING > 0 && columns.length > 1) {
      const lambda = new Float64Array(S);
      const mu = new Float64Array(S);
      for (let g = 0; g < S; g++) {
        lambda[g] = SMOOTHING * bestR.lambda[g] + (1 - SMOOTHING) * lambdaM[g];
        mu[g] = SMOOTHING * bestR.mu[g] + (1 - SMOOTHING) * muM[g];
      }
      col = take({ lambda, mu });
      if (reducedCost(col) <= 1e-12 * omega) col = take({ lambda: lambdaM, mu: muM });
    } else {
      col = take({ lambda: lambdaM, mu: muM });
    }
    // No column prices out at the master's duals: the master's optimum is the (restricted) LP's.
    if (exact && reducedCost(col) <= 1e-12 * omega) break;
    if (relativeGap(best.dual, primal, omega) <= stopGap) break;
  }
  // The master may have stopped before seeing the last columns: weights cover the first ones only.
  return { best, columns, weights };
}

interface Fixed {
  value: number;
  cap: Float64Array;
  skip: Float64Array;
}

/**
 * The core: rows whose net value at pr lies within band of their licensor's threshold (ascending).
 * The rest keep their response z0 (at pr): their sums, and the licensor caps left for the core.
 */
function selectCore(
  F: Block,
  pr: Prices,
  licensorPrice: Float64Array,
  band: number,
  z0: Float64Array,
): { idx: Int32Array; caps: Float64Array; fixed: Fixed } {
  const { c, y, d, segStart, segSurface, licSeg } = F;
  const S = F.S;
  const L = licSeg.length - 1;
  const tmp = scratchI32('core', F.n);
  const caps = F.caps.slice();
  const fixed: Fixed = { value: 0, cap: new Float64Array(S), skip: new Float64Array(S) };
  let k = 0;
  for (let l = 0; l < L; l++) {
    const t = licensorPrice[l];
    let used = 0;
    for (let q = licSeg[l]; q < licSeg[l + 1]; q++) {
      const g = segSurface[q];
      const lam = pr.lambda[g] + t;
      const mg = pr.mu[g];
      let fy = 0;
      let fdy = 0;
      let fcy = 0;
      const e = segStart[q + 1];
      for (let i = segStart[q]; i < e; i++) {
        const v = c[i] - lam - mg * d[i];
        if (v <= band && v >= -band) {
          tmp[k++] = i;
        } else {
          const zi = z0[i];
          if (zi !== 0) {
            const ty = zi * y[i];
            fy += ty;
            fdy += d[i] * ty;
            fcy += c[i] * ty;
          }
        }
      }
      fixed.cap[g] += fy;
      fixed.skip[g] += fdy;
      fixed.value += fcy;
      used += fy;
    }
    caps[l] = Math.max(0, caps[l] - used);
  }
  return { idx: tmp.slice(0, k), caps, fixed };
}

/** The distance from the threshold within which a fraction of the rows lie (from a stride sample). */
function bandFor(F: Block, pr: Prices, licensorPrice: Float64Array, fraction: number): number {
  const step = 16;
  const n = F.n;
  const k = Math.ceil(n / step);
  const m = new Float64Array(k);
  for (let i = 0, j = 0; i < n; i += step, j++) {
    m[j] = Math.abs(F.c[i] - pr.lambda[F.s[i]] - licensorPrice[F.lic[i]] - pr.mu[F.s[i]] * F.d[i]);
  }
  m.sort();
  return m[Math.min(k - 1, Math.floor(fraction * k))];
}

/**
 * Reference prices from a stride sample of the rows: the same LP over every SAMPLE_STRIDE-th row,
 * its capacities and caps scaled by the share of headroom sampled.
 */
function samplePrices(F: Block, capacity: Float64Array, maxIterations: number, start: Prices | undefined, stats: Stats): Prices {
  const S = capacity.length;
  const L = F.caps.length;
  const n = F.n;
  const k = Math.ceil(n / SAMPLE_STRIDE);
  const idx = new Int32Array(k);
  const yAll = new Float64Array(S);
  const ySam = new Float64Array(S);
  const lAll = new Float64Array(L);
  const lSam = new Float64Array(L);
  for (let i = 0; i < n; i++) {
    yAll[F.s[i]] += F.y[i];
    lAll[F.lic[i]] += F.y[i];
  }
  for (let i = 0, j = 0; i < n; i += SAMPLE_STRIDE, j++) {
    idx[j] = i;
    ySam[F.s[i]] += F.y[i];
    lSam[F.lic[i]] += F.y[i];
  }
  const caps = new Float64Array(L);
  for (let l = 0; l < L; l++) caps[l] = lAll[l] > 0 ? (F.caps[l] * lSam[l]) / lAll[l] : 0;
  const cap = new Float64Array(S);
  for (let g = 0; g < S; g++) cap[g] = yAll[g] > 0 ? (capacity[g] * ySam[g]) / yAll[g] : 0;
  const sub = F.gather(idx, caps);
  let omega = 0;
  const skipScale = new Float64Array(S);
  for (let i = 0; i < sub.n; i++) {
    omega += Math.abs(sub.c[i]) * sub.y[i];
    skipScale[sub.s[i]] += Math.abs(sub.d[i]) * sub.y[i];
  }
  if (!(omega > 0)) omega = 1;
  const capScale = new Float64Array(S);
  for (let g = 0; g < S; g++) {
    capScale[g] = cap[g] > 0 ? cap[g] : 1;
    if (!(skipScale[g] > 0)) skipScale[g] = 1;
  }
  const res = engine(sub, cap, { omega, capScale, skipScale }, SAMPLE_TOLERANCE, maxIterations, start, stats, false);
  return { lambda: res.best.lambda, mu: res.best.mu };
}

/**
 * A cold start: per surface, the value at which the surface would just fill if neither licensor
 * caps nor the skip budget existed (a weighted quantile of the rows' values).
 */
function fillPrices(F: Block, capacity: Float64Array): Prices {
  const S = capacity.length;
  const n = F.n;
  const lambda = new Float64Array(S);
  const key = new Float64Array(n);
  const weight = new Float64Array(n);
  const payload = new Int32Array(n);
  for (let g = 0; g < S; g++) {
    let k = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (F.s[i] !== g || !(F.c[i] > 0)) continue;
      key[k] = F.c[i];
      weight[k] = F.y[i];
      payload[k] = i;
      total += F.y[i];
      k++;
    }
    if (!(total > capacity[g]) || k === 0) continue;
    lambda[g] = Math.max(0, weightedThreshold(key, weight, payload, k, capacity[g]));
  }
  return { lambda, mu: new Float64Array(S) };
}

export function relativeGap(dual: number, primal: number, scale: number): number {
  const diff = dual - primal;
  if (!(diff > 1e-13 * scale)) return 0;
  return diff / Math.max(Math.abs(dual), 1e-300);
}

function excess(used: number, rhs: number): number {
  if (used <= rhs) return 0;
  return (used - rhs) / Math.max(rhs, 1e-300);
}

function clampPrices(v: ArrayLike<number>, S: number): Float64Array {
  const out = new Float64Array(S);
  for (let g = 0; g < S && g < v.length; g++) out[g] = Number.isFinite(v[g]) && v[g] > 0 ? v[g] : 0;
  return out;
}

interface Usage {
  value: number;
  capacityUsed: Float64Array;
  skipUsed: Float64Array;
  licensorUsed: Float64Array;
}

/**
 * Rounding can leave the mixed solution a hair outside a constraint. Shrink the rows that consume a
 * violated skip budget, then scale everything by the largest factor that fits every capacity and
 * cap (uniform scaling keeps each skip budget, whose right-hand side is 0). Works on the shares z
 * of the block's rows (clamped to [0, 1]); writes x = z * upper and returns the final usage.
 */
function repair(F: Block, z: Float64Array, capacity: Float64Array, x: Float64Array, rows: Int32Array, ub: Float64Array): Usage {
  const { y, d, c, segStart, segSurface, licSeg } = F;
  const S = F.S;
  const L = licSeg.length - 1;
  const nseg = segSurface.length;
  // Per segment, the use by rows with positive skip excess (which a shrink scales) and the rest.
  const segPos = scratchF64('segPos', nseg);
  const segNeg = scratchF64('segNeg', nseg);
  const skipPos = new Float64Array(S);
  const skipNeg = new Float64Array(S);
  for (let q = 0; q < nseg; q++) {
    let up = 0;
    let un = 0;
    let sp = 0;
    let sn = 0;
    for (let k = segStart[q], e = segStart[q + 1]; k < e; k++) {
      let zk = z[k];
      zk = zk < 0 ? 0 : zk > 1 ? 1 : zk;
      z[k] = zk;
      const t = y[k] * zk;
      const dt = d[k] * t;
      if (d[k] > 0) {
        up += t;
        sp += dt;
      } else {
        un += t;
        sn -= dt;
      }
    }
    segPos[q] = up;
    segNeg[q] = un;
    skipPos[segSurface[q]] += sp;
    skipNeg[segSurface[q]] += sn;
  }
  const shrink = new Float64Array(S).fill(1);
  for (let g = 0; g < S; g++) if (skipPos[g] > skipNeg[g]) shrink[g] = skipNeg[g] / skipPos[g];
  const capUse = new Float64Array(S);
  for (let q = 0; q < nseg; q++) capUse[segSurface[q]] += segNeg[q] + shrink[segSurface[q]] * segPos[q];
  let theta = 1;
  for (let g = 0; g < S; g++) if (capUse[g] > capacity[g]) theta = Math.min(theta, capacity[g] / capUse[g]);
  for (let l = 0; l < L; l++) {
    let used = 0;
    for (let q = licSeg[l]; q < licSeg[l + 1]; q++) used += segNeg[q] + shrink[segSurface[q]] * segPos[q];
    if (used > F.caps[l]) theta = Math.min(theta, F.caps[l] / used);
  }
  // The final shares, their x, and their sums.
  const capacityUsed = new Float64Array(S);
  const skipUsed = new Float64Array(S);
  const licensorUsed = new Float64Array(L);
  let value = 0;
  for (let l = 0; l < L; l++) {
    let lu = 0;
    for (let q = licSeg[l]; q < licSeg[l + 1]; q++) {
      const g = segSurface[q];
      const fPos = shrink[g] * theta;
      const fNeg = theta;
      let cu = 0;
      let su = 0;
      let vu = 0;
      for (let k = segStart[q], e = segStart[q + 1]; k < e; k++) {
        const zk = z[k] * (d[k] > 0 ? fPos : fNeg);
        if (zk === 0) continue;
        x[rows[k]] = zk * ub[k];
        const t = y[k] * zk;
        cu += t;
        su += d[k] * t;
        vu += c[k] * t;
      }
      capacityUsed[g] += cu;
      skipUsed[g] += su;
      value += vu;
      lu += cu;
    }
    licensorUsed[l] = lu;
  }
  return { value, capacityUsed, skipUsed, licensorUsed };
}

/** The slow check behind the fast one, for its message. */
function checkRows(p: MarketProblem): void {
  const n = p.value.length;
  for (let r = 0; r < n; r++) {
    if (!Number.isFinite(p.value[r]) || !Number.isFinite(p.skipExcess[r]) || !(p.headroom[r] >= 0 && p.headroom[r] < Infinity) || !(p.upper[r] >= 0 && p.upper[r] < Infinity)) {
      throw new RangeError(`allocation problem: row ${r} has a non-finite or negative coefficient`);
    }
    if (p.surface[r] < 0 || p.surface[r] >= p.capacity.length || p.licensor[r] < 0 || p.licensor[r] >= p.licensorCap.length) {
      throw new RangeError(`allocation problem: row ${r} names an unknown surface or licensor`);
    }
  }
}

function checkShape(p: MarketProblem): void {
  const n = p.value.length;
  for (const [name, arr] of [
    ['headroom', p.headroom],
    ['upper', p.upper],
    ['skipExcess', p.skipExcess],
    ['surface', p.surface],
    ['licensor', p.licensor],
  ] as const) {
    if (arr.length !== n) throw new RangeError(`allocation problem: ${name} has ${arr.length} rows, value has ${n}`);
  }
  for (const [name, arr] of [
    ['capacity', p.capacity],
    ['licensorCap', p.licensorCap],
  ] as const) {
    for (let i = 0; i < arr.length; i++) {
      if (!(arr[i] >= 0) || !Number.isFinite(arr[i])) throw new RangeError(`allocation problem: ${name}[${i}] must be finite and >= 0`);
    }
  }
}
