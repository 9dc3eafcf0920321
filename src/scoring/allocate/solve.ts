/**
 * Solves one market's allocation LP by column generation over surface prices (Dantzig-Wolfe on
 * the surface constraints, licensor caps kept in the closed-form pricing): the master mixes priced
 * responses under the surface capacity and skip rows; its duals are the next surface prices. Every
 * pricing yields a valid dual bound; the mixed response is the primal. The loop stops once the
 * relative gap is below the tolerance; x is then repaired to exact feasibility and certified.
 */
import type { Certificate } from '../../snapshot/contract.ts';
import { solveMaster } from './master.ts';
import { PricingOracle, type PriceResult } from './pricing.ts';
import type { MarketProblem, MarketSolution, SurfacePrices } from './problem.ts';

export interface SolveOptions {
  tolerance: number;
  maxIterations: number;
  warmStart?: SurfacePrices;
}

interface Column {
  lambda: Float64Array;
  mu: Float64Array;
  result: PriceResult;
}

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
  const price = (lambda: Float64Array, mu: Float64Array): Column => {
    const col = { lambda, mu, result: oracle.price(lambda, mu) };
    columns.push(col);
    return col;
  };
  let best = price(
    opts.warmStart ? clampPrices(opts.warmStart.capacity, S) : new Float64Array(S),
    opts.warmStart ? clampPrices(opts.warmStart.skip, S) : new Float64Array(S),
  );
  let weights: Float64Array = new Float64Array(0);
  let primal = 0;
  let iterations = 0;
  const rows = 2 * S + 1;
  const b = new Float64Array(rows);
  for (let g = 0; g < S; g++) b[g] = p.capacity[g] / capScale[g];
  b[2 * S] = 1;
  const stopGap = opts.tolerance * 0.25;

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
    const lambda = new Float64Array(S);
    const mu = new Float64Array(S);
    for (let g = 0; g < S; g++) {
      lambda[g] = (master.y[g] * omega) / capScale[g];
      mu[g] = (master.y[S + g] * omega) / skipScale[g];
    }
    const col = price(lambda, mu);
    if (col.result.dual < best.result.dual) best = col;
    // No column prices out: the master's optimum is the LP's.
    let reduced = col.result.dual - master.y[2 * S] * omega;
    for (let g = 0; g < S; g++) reduced -= lambda[g] * p.capacity[g];
    if (reduced <= 1e-12 * omega) break;
    if (relativeGap(best.result.dual, primal, omega) <= stopGap) break;
  }

  // The primal: the master's mixture of priced responses, recomputed (each is a pure function of its prices).
  const z = new Float64Array(m);
  for (let k = 0; k < weights.length; k++) {
    if (weights[k] > 0) oracle.price(columns[k].lambda, columns[k].mu, z, weights[k]);
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
  };
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
    if (!Number.isFinite(p.value[r]) || !Number.isFinite(p.skipExcess[r]) || !(p.headroom[r] >= 0) || !(p.upper[r] >= 0)) {
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
