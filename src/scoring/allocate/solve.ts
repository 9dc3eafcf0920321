/**
 * Solves one market's allocation LP by column generation over surface prices (Dantzig-Wolfe on
 * the surface constraints, licensor caps kept in the closed-form pricing): the master mixes priced
 * responses under the surface capacity and skip rows; its duals are the next surface prices. Every
 * pricing yields a valid dual bound; the mixed response is the primal. The loop stops once the
 * relative gap is below the tolerance; x is then repaired to exact feasibility and certified.
 */
import type { Certificate } from '../../snapshot/contract.ts';
import { solveMaster } from './master.ts';
import { PricingOracle, weightedThreshold, type PriceResult } from './pricing.ts';
import type { MarketProblem, MarketSolution, SurfacePrices } from './problem.ts';

/** Weight of the best dual point in the smoothed prices. */
const SMOOTHING = 0.5;

export interface SolveOptions {
  tolerance: number;
  maxIterations: number;
  warmStart?: SurfacePrices;
}

interface Column {
  lambda: Float64Array;
  mu: Float64Array;
  result: PriceResult;
  /** the response's x_r / upper_r per active row, kept while memory allows (else recomputed) */
  z?: Float64Array;
}

/** Stored responses, in rows x columns: beyond this, responses are recomputed from their prices. */
const STORED_ENTRIES = 8_000_000;

export function solveMarket(p: MarketProblem, opts: SolveOptions): MarketSolution {
  const n = p.value.length;
  const S = p.capacity.length;
  const L = p.licensorCap.length;
  checkProblem(p);

  // Rows that can never help are fixed to 0: no headroom, no capacity, or a row that only costs.
  const active = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const g = p.surface[r];
    active[r] =
      p.headroom[r] > 0 && p.upper[r] > 0 && p.capacity[g] > 0 && !(p.value[r] <= 0 && p.skipExcess[r] >= 0) ? 1 : 0;
  }
  const oracle = new PricingOracle(p, active);
  const m = oracle.rows.length;

  // Scales keep the master's numbers near 1.
  let omega = 0;
  const skipScale = new Float64Array(S);
  for (let k = 0; k < m; k++) {
    omega += Math.abs(oracle.c[k]) * oracle.y[k];
    skipScale[oracle.s[k]] += Math.abs(oracle.d[k]) * oracle.y[k];
  }
  if (!(omega > 0)) omega = 1;
  const capScale = new Float64Array(S);
  for (let g = 0; g < S; g++) {
    capScale[g] = p.capacity[g] > 0 ? p.capacity[g] : 1;
    if (!(skipScale[g] > 0)) skipScale[g] = 1;
  }

  const columns: Column[] = [];
  let pricings = 0;
  let stored = 0;
  let pricedRows = 0;
  const price = (lambda: Float64Array, mu: Float64Array): Column => {
    pricings++;
    pricedRows += m;
    const z = stored + m <= STORED_ENTRIES ? new Float64Array(m) : undefined;
    if (z) stored += m;
    const col: Column = { lambda, mu, result: oracle.price(lambda, mu, z), z };
    columns.push(col);
    return col;
  };
  let best = price(
    opts.warmStart ? clampPrices(opts.warmStart.capacity, S) : fillPrices(oracle, p.capacity),
    opts.warmStart ? clampPrices(opts.warmStart.skip, S) : new Float64Array(S),
  );
  let weights: Float64Array = new Float64Array(0);
  let primal = 0;
  let iterations = 0;
  const rows = 2 * S + 1;
  const b = new Float64Array(rows);
  for (let g = 0; g < S; g++) b[g] = p.capacity[g] / capScale[g];
  b[2 * S] = 1;
  const stopGap = opts.tolerance * 0.5;

  while (iterations < opts.maxIterations) {
    iterations++;
    const cvec = columns.map((col) => col.result.value / omega);
    const a = columns.map((col) => {
      const v = new Float64Array(rows);
      for (let g = 0; g < S; g++) {
        v[g] = col.result.capacityUsed[g] / capScale[g];
        v[S + g] = col.result.skipUsed[g] / skipScale[g];
      }
      v[2 * S] = 1;
      return v;
    });
    const master = solveMaster(cvec, a, b);
    weights = master.w;
    primal = master.objective * omega;
    if (relativeGap(best.result.dual, primal, omega) <= stopGap) break;
    const lambdaM = new Float64Array(S);
    const muM = new Float64Array(S);
    for (let g = 0; g < S; g++) {
      lambdaM[g] = (master.y[g] * omega) / capScale[g];
      muM[g] = (master.y[S + g] * omega) / skipScale[g];
    }
    const convexityPrice = master.y[2 * S] * omega;
    // Reduced cost of a priced response against the master's duals: > 0 means it improves the master.
    const reducedCost = (col: Column): number => {
      let rc = col.result.value - convexityPrice;
      for (let g = 0; g < S; g++) rc -= lambdaM[g] * col.result.capacityUsed[g] + muM[g] * col.result.skipUsed[g];
      return rc;
    };
    // Smoothing (Wentges): price between the best dual point and the master's duals, which damps
    // the oscillation of plain cutting planes; fall back to the master's duals when that misprices.
    let col: Column;
    if (SMOOTHING > 0 && columns.length > 1) {
      const lambda = new Float64Array(S);
      const mu = new Float64Array(S);
      for (let g = 0; g < S; g++) {
        lambda[g] = SMOOTHING * best.lambda[g] + (1 - SMOOTHING) * lambdaM[g];
        mu[g] = SMOOTHING * best.mu[g] + (1 - SMOOTHING) * muM[g];
      }
      col = price(lambda, mu);
      if (col.result.dual < best.result.dual) best = col;
      if (reducedCost(col) <= 1e-12 * omega) {
        col = price(lambdaM, muM);
        if (col.result.dual < best.result.dual) best = col;
      }
    } else {
      col = price(lambdaM, muM);
      if (col.result.dual < best.result.dual) best = col;
    }
    // No column prices out at the master's duals: the master's optimum is the LP's.
    if (reducedCost(col) <= 1e-12 * omega) break;
    if (relativeGap(best.result.dual, primal, omega) <= stopGap) break;
  }

  // The primal: the master's mixture of priced responses, recomputed (each is a pure function of its prices).
  const z = new Float64Array(m);
  for (let k = 0; k < weights.length; k++) {
    const w = weights[k];
    if (!(w > 0)) continue;
    const zk = columns[k].z;
    if (zk) {
      for (let i = 0; i < m; i++) z[i] += w * zk[i];
    } else {
      pricings++;
      pricedRows += m;
      oracle.price(columns[k].lambda, columns[k].mu, z, w);
    }
  }
  const x = new Float64Array(n);
  for (let k = 0; k < m; k++) {
    const r = oracle.rows[k];
    x[r] = Math.min(p.upper[r], Math.max(0, z[k] * p.upper[r]));
  }
  repair(p, x);
  const usage = usageOf(p, x);

  const capacityPrice = best.lambda.slice();
  const skipPrice = best.mu.slice();
  // Surfaces without capacity: any price keeps their rows out; report one that does.
  for (let r = 0; r < n; r++) {
    const g = p.surface[r];
    if (!(p.capacity[g] > 0) && p.value[r] > capacityPrice[g]) capacityPrice[g] = p.value[r];
  }
  let maxViolation = 0;
  for (let g = 0; g < S; g++) {
    maxViolation = Math.max(
      maxViolation,
      excess(usage.capacityUsed[g], p.capacity[g]),
      Math.max(0, usage.skipUsed[g]) / skipScale[g],
    );
  }
  for (let l = 0; l < L; l++) maxViolation = Math.max(maxViolation, excess(usage.licensorUsed[l], p.licensorCap[l]));
  const dualBound = m === 0 ? 0 : Math.max(best.result.dual, usage.value);
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
    licensorPrice: best.result.licensorPrice.slice(),
    capacityUsed: usage.capacityUsed,
    skipUsed: usage.skipUsed,
    licensorUsed: usage.licensorUsed,
    certificate,
    iterations,
    pricings,
    pricedRows,
  };
}

/**
 * A cold start: per surface, the value at which the surface would just fill if neither licensor
 * caps nor the skip budget existed (a weighted quantile of the rows' values).
 */
function fillPrices(oracle: PricingOracle, capacity: Float64Array): Float64Array {
  const S = capacity.length;
  const m = oracle.rows.length;
  const prices = new Float64Array(S);
  const counts = new Int32Array(S);
  const total = new Float64Array(S);
  for (let k = 0; k < m; k++) {
    if (oracle.c[k] > 0) {
      counts[oracle.s[k]]++;
      total[oracle.s[k]] += oracle.y[k];
    }
  }
  // A start point needs no precision: a deterministic stride sample of each surface's rows will do.
  const stride = Int32Array.from(counts, (c) => Math.max(1, Math.ceil(c / SAMPLE)));
  const start = new Int32Array(S + 1);
  for (let g = 0; g < S; g++) start[g + 1] = start[g] + Math.ceil(counts[g] / stride[g]);
  const idx = new Int32Array(start[S]);
  const fill = start.slice(0, S);
  const seen = new Int32Array(S);
  const sampled = new Float64Array(S);
  for (let k = 0; k < m; k++) {
    if (!(oracle.c[k] > 0)) continue;
    const g = oracle.s[k];
    if (seen[g]++ % stride[g] === 0) {
      idx[fill[g]++] = k;
      sampled[g] += oracle.y[k];
    }
  }
  for (let g = 0; g < S; g++) {
    if (!(total[g] > capacity[g]) || fill[g] === start[g]) continue;
    const target = (capacity[g] * sampled[g]) / total[g];
    const part = idx.subarray(start[g], fill[g]);
    prices[g] = Math.max(0, weightedThreshold(part, part.length, oracle.c, oracle.y, target));
  }
  return prices;
}

/** Rows per surface behind the cold-start estimate. */
const SAMPLE = 2048;

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

/** Sums of the solution per constraint, and its objective. */
export function usageOf(
  p: MarketProblem,
  x: Float64Array,
): { value: number; capacityUsed: Float64Array; skipUsed: Float64Array; licensorUsed: Float64Array } {
  const capacityUsed = new Float64Array(p.capacity.length);
  const skipUsed = new Float64Array(p.capacity.length);
  const licensorUsed = new Float64Array(p.licensorCap.length);
  let value = 0;
  for (let r = 0; r < x.length; r++) {
    const xr = x[r];
    if (xr === 0) continue;
    const y = p.headroom[r] * xr;
    value += p.value[r] * y;
    capacityUsed[p.surface[r]] += y;
    skipUsed[p.surface[r]] += p.skipExcess[r] * y;
    licensorUsed[p.licensor[r]] += y;
  }
  return { value, capacityUsed, skipUsed, licensorUsed };
}

/**
 * Rounding can leave the mixed solution a hair outside a constraint. Shrink the rows that consume a
 * violated skip budget, then scale everything by the largest factor that fits every capacity and
 * cap (uniform scaling keeps each skip budget, whose right-hand side is 0).
 */
function repair(p: MarketProblem, x: Float64Array): void {
  const S = p.capacity.length;
  const pos = new Float64Array(S);
  const neg = new Float64Array(S);
  for (let r = 0; r < x.length; r++) {
    if (x[r] === 0) continue;
    const t = p.headroom[r] * p.skipExcess[r] * x[r];
    if (t > 0) pos[p.surface[r]] += t;
    else neg[p.surface[r]] -= t;
  }
  const shrink = new Float64Array(S).fill(1);
  let anyShrink = false;
  for (let g = 0; g < S; g++) {
    if (pos[g] > neg[g]) {
      shrink[g] = neg[g] / pos[g];
      anyShrink = true;
    }
  }
  if (anyShrink) {
    for (let r = 0; r < x.length; r++) if (p.skipExcess[r] > 0) x[r] *= shrink[p.surface[r]];
  }
  const u = usageOf(p, x);
  let theta = 1;
  for (let g = 0; g < S; g++) if (u.capacityUsed[g] > p.capacity[g]) theta = Math.min(theta, p.capacity[g] / u.capacityUsed[g]);
  for (let l = 0; l < p.licensorCap.length; l++) {
    if (u.licensorUsed[l] > p.licensorCap[l]) theta = Math.min(theta, p.licensorCap[l] / u.licensorUsed[l]);
  }
  if (theta < 1) for (let r = 0; r < x.length; r++) x[r] *= theta;
}

function checkProblem(p: MarketProblem): void {
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
  for (let r = 0; r < n; r++) {
    if (!Number.isFinite(p.value[r]) || !Number.isFinite(p.skipExcess[r]) || !(p.headroom[r] >= 0 && p.headroom[r] < Infinity) || !(p.upper[r] >= 0 && p.upper[r] < Infinity)) {
      throw new RangeError(`allocation problem: row ${r} has a non-finite or negative coefficient`);
    }
    if (p.surface[r] < 0 || p.surface[r] >= p.capacity.length || p.licensor[r] < 0 || p.licensor[r] >= p.licensorCap.length) {
      throw new RangeError(`allocation problem: row ${r} names an unknown surface or licensor`);
    }
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
