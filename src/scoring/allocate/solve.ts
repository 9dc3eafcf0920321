/**
 * Solves one market's allocation LP by column generation over surface prices (Dantzig-Wolfe on
 * the surface constraints, licensor caps kept in the closed-form pricing): the master mixes priced
 * responses under the surface capacity and skip rows; its duals are the next surface prices. Every
 * full pricing yields a valid dual bound; the mixed response is the primal. The loop stops once the
 * relative gap is below the tolerance; x is then repaired to exact feasibility and certified.
 *
 * Most rows' responses never change once the prices are roughly right, so the loop works on a
 * core: the rows whose net value lies near their licensor's threshold at a center price point. Rows
 * above that band are merged, per (licensor, surface) and sign of skip excess, into super-rows that
 * take one share together; rows below it are held at 0. Every response of this restricted problem
 * is a whole, feasible response of the market (x = 0 included), so the master mixes them as they
 * are, at the cost of the core's rows only. When the restricted loop has converged, one full pass
 * at its best prices gives the true bound over every row; if the gap is still open, the core is
 * re-centered on those prices (a little wider) and the loop goes on with every column kept. The
 * first center comes from the same method on a stride sample of the rows when the sample holds
 * enough rows per licensor (a warm start seeds that sample's solve), else from the warm start or a
 * cold start; a market costs about two full passes plus a few percent of rows per round.
 */
import type { Certificate } from '../../snapshot/contract.ts';
import { bandFor, type Core, scatterCore, selectCore } from './core.ts';
import { checkShape } from './checks.ts';
import { marketBlock } from './market-block.ts';
import { solveMaster } from './master.ts';
import { clampPrices, fillPrices, type Prices } from './prices.ts';
import type { Block } from './pricing.ts';
import { repair } from './repair.ts';
import { sampleProblem, worthSampling } from './sample.ts';
import { type Scales, scalesOf } from './scales.ts';
import { scratchF64 } from './scratch.ts';
import type { MarketProblem, MarketSolution, SurfacePrices } from './problem.ts';

/** Weight of the best dual point in the smoothed prices. */
const SMOOTHING = 0.5;
/** Below this many rows the loop prices every row; above, it works on a core. */
const CORE_ABOVE = 6000;
/** Fraction of rows in the first core (the ones nearest their threshold); 1.5x on each re-centering. */
const CORE_FRACTION = 0.1;
/** The sample only places the prices: a looser gap will do. */
const SAMPLE_TOLERANCE = 1e-3;

export interface SolveOptions {
  tolerance: number;
  maxIterations: number;
  warmStart?: SurfacePrices;
}

interface Bound extends Prices {
  dual: number;
  licensorPrice: Float64Array;
}

interface Column extends Prices {
  value: number;
  capacityUsed: Float64Array;
  skipUsed: Float64Array;
  /** shares of the rows of the core it was priced on, or of every row when core is undefined */
  z: Float64Array;
  core?: Core;
}

interface Stats {
  iterations: number;
  pricings: number;
  pricedRows: number;
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

  const { capacity, licensorCap } = p;
  // The rows that can help; the rest stay at 0.
  const { full, m, rows, ub, scales } = marketBlock(p);
  const { omega, skipScale } = scales;
  const stats: Stats = { iterations: 0, pricings: 0, pricedRows: 0 };
  const start = opts.warmStart
    ? { lambda: clampPrices(opts.warmStart.capacity, S), mu: clampPrices(opts.warmStart.skip, S) }
    : undefined;
  const { best, columns, weights } = engine(full, capacity, scales, opts.tolerance, opts.maxIterations, start, stats, true);
  const x = new Float64Array(n);
  const usage = repair(full, mix(full, columns, weights, m), capacity, x, rows, ub);

  const capacityPrice = best.lambda.slice();
  const skipPrice = best.mu.slice();
  for (let g = 0; g < S; g++) {
    // Surfaces without capacity: any price keeps their rows out; report one that does.
    if (!(capacity[g] > 0)) capacityPrice[g] = Math.max(capacityPrice[g], maxValueOn(p, g));
  }
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

/** The largest value of a row on surface g (0 when none is positive). */
function maxValueOn(p: MarketProblem, g: number): number {
  let best = 0;
  for (let r = 0; r < p.value.length; r++) if (p.surface[r] === g && p.value[r] > best) best = p.value[r];
  return best;
}

/** The primal: the master's mixture of responses, row by row. */
function mix(F: Block, columns: Column[], weights: Float64Array, m: number): Float64Array {
  const zsum = scratchF64('zsum', m).fill(0);
  const cores: Core[] = [];
  const sums: Float64Array[] = [];
  for (let j = 0; j < weights.length; j++) {
    const w = weights[j];
    if (!(w > 0)) continue;
    const { core, z } = columns[j];
    if (!core) {
      addDense(zsum, z, w);
      continue;
    }
    let i = cores.indexOf(core);
    if (i < 0) {
      i = cores.length;
      cores.push(core);
      sums.push(new Float64Array(z.length));
    }
    addDense(sums[i], z, w);
  }
  for (let i = 0; i < cores.length; i++) scatterCore(zsum, F, cores[i], sums[i]);
  return zsum;
}

function addDense(acc: Float64Array, z: Float64Array, w: number): void {
  for (let k = 0; k < acc.length; k++) acc[k] += w * z[k];
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
  const sample = worthSampling(F);
  const p0 = sample ? samplePrices(F, capacity, maxIterations, start, stats) : fillPrices(F, capacity);

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

  let first = fullPrice(p0);
  if (start && !sample) {
    // Without a sample, a warm start competes with the cold start: the lower bound centers the core
    // (stale prices would center it on the wrong rows). Both responses stay in the master.
    const other = fullPrice(start);
    if (other.bound.dual < first.bound.dual) first = other;
  }
  let best = first.bound;
  const exact = n <= CORE_ABOVE;

  let core: Core | undefined;
  let fraction = CORE_FRACTION;
  const center = (pr: Prices, licensorPrice: Float64Array): void => {
    core = selectCore(F, pr, licensorPrice, bandFor(F, pr, licensorPrice, fraction));
  };
  if (!exact) center(first.bound, first.bound.licensorPrice);
  // At the reference point the core's response is the full response: the same bound.
  let bestR: Bound = best;

  const corePrice = (pr: Prices): { col: Column; bound: Bound } => {
    if (!core) return fullPrice(pr);
    const block = core.block;
    stats.pricedRows += block.n;
    const z = new Float64Array(block.n);
    const r = block.price(pr.lambda, pr.mu, z);
    const col: Column = { ...pr, value: r.value, capacityUsed: r.capacityUsed, skipUsed: r.skipUsed, z, core };
    columns.push(col);
    // An upper bound on the restricted problem only: the loop's inner stopping test.
    return { col, bound: { ...pr, dual: surfaceTerm(pr) + r.inner, licensorPrice: r.licensorPrice } };
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
      const { bound } = fullPrice(bestR);
      if (bound.dual < best.dual) best = bound;
      if (relativeGap(best.dual, primal, omega) <= stopGap) break;
      // Re-center the core on these prices, somewhat wider; the master keeps every column.
      fraction = Math.min(1, fraction * 1.5);
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

/** Reference prices from the stride sample (sample.ts): the same loop on it, to a looser gap. */
function samplePrices(F: Block, capacity: Float64Array, maxIterations: number, start: Prices | undefined, stats: Stats): Prices {
  const { block: sub, capacity: cap } = sampleProblem(F, capacity);
  const res = engine(sub, cap, scalesOf(sub, cap), SAMPLE_TOLERANCE, maxIterations, start, stats, false);
  return { lambda: res.best.lambda, mu: res.best.mu };
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
