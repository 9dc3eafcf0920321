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
import { solveMaster } from './master.ts';
import { Block, BlockBuilder, weightedThreshold } from './pricing.ts';
import { scratchF64, scratchI32 } from './scratch.ts';
import type { MarketProblem, MarketSolution, SurfacePrices } from './problem.ts';

/** Weight of the best dual point in the smoothed prices. */
const SMOOTHING = 0.5;
/** Below this many rows the loop prices every row; above, it works on a core. */
const CORE_ABOVE = 6000;
/** Fraction of rows in the first core (the ones nearest their threshold); 1.5x on each re-centering. */
const CORE_FRACTION = 0.1;
/** A block this large takes its reference prices from a stride sample of 1 in SAMPLE_STRIDE rows. */
const SAMPLE_ABOVE = 6000;
const SAMPLE_STRIDE = 8;
/** ...and only when the sample holds this many rows per licensor (else its caps say little). */
const SAMPLE_PER_LICENSOR = 8;
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
  /** shares of the rows of the core it was priced on, or of every row when core is undefined */
  z: Float64Array;
  core?: Core;
}

/**
 * The restricted problem the loop works on: the core rows (near their licensor's threshold), and
 * per segment the rows above the band merged into super-rows that take one share together (one for
 * rows with positive skip excess, one for the rest); rows below the band are held at 0. Every
 * response of the core is a whole, feasible response of the market, and x = 0 stays feasible.
 */
interface Core {
  block: Block;
  /** the row of each core row; -1 for a super-row */
  idx: Int32Array;
  /** per segment of the full block, the core row of its super-row (rows with skip excess <= 0 / > 0), or -1 */
  superN: Int32Array;
  superP: Int32Array;
  /** the center and band that decide which rows a super-row holds (recomputed, not stored) */
  center: Prices;
  licensorPrice: Float64Array;
  band: number;
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

  // The rows that can help, per (licensor, surface); the rest are fixed to 0: no headroom, no
  // capacity or cap, or a row that only costs. Each hot loop is a function of its own, so the JIT
  // optimizes it whole instead of entering it mid-function.
  const { capacity, licensorCap } = p;
  const open = new Uint8Array(L * S);
  for (let l = 0; l < L; l++) {
    if (!(licensorCap[l] > 0)) continue;
    for (let g = 0; g < S; g++) open[l * S + g] = capacity[g] > 0 ? 1 : 0;
  }
  const counts = scratchI32('counts', L * S + 1).fill(0);
  const act = scratchI32('act', n + 1);
  const keys = scratchI32('keys', n + 1);
  const m = countRows(p, open, counts, act, keys);
  if (m < 0) checkRows(p);
  // Segments straight from the counts: one per (licensor, surface) key with rows, in key order.
  let segs = 0;
  for (let i = 0; i < L * S; i++) if (counts[i + 1] > 0) segs++;
  const segStart = new Int32Array(segs + 1);
  const segSurface = new Int32Array(segs);
  const licSeg = new Int32Array(L + 1);
  for (let l = 0, q = 0, at = 0; l < L; l++) {
    for (let g = 0; g < S; g++) {
      const rowsOf = counts[l * S + g + 1];
      if (rowsOf === 0) continue;
      segStart[q] = at;
      segSurface[q] = g;
      q++;
      at += rowsOf;
    }
    licSeg[l + 1] = q;
  }
  segStart[segs] = m;
  for (let i = 0; i < L * S; i++) counts[i + 1] += counts[i];
  const rows = scratchI32('rows', m);
  const c = scratchF64('c', m);
  const y = scratchF64('y', m);
  const d = scratchF64('d', m);
  const ub = scratchF64('ub', m);
  const skipScale = new Float64Array(S);
  let omega = fillRows(p, act, keys, m, counts, rows, c, y, d, ub, skipScale);
  const full = new Block(S, c, y, d, segStart, segSurface, licSeg, licensorCap);
  // Scales keep the master's numbers near 1.
  if (!(omega > 0)) omega = 1;
  const capScale = new Float64Array(S);
  for (let g = 0; g < S; g++) {
    capScale[g] = capacity[g] > 0 ? capacity[g] : 1;
    if (!(skipScale[g] > 0)) skipScale[g] = 1;
  }
  const scales: Scales = { omega, capScale, skipScale };
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

/**
 * Validates the rows and counts, per (licensor, surface) key + 1, the rows that can help, listing
 * them (row and key) in act and keys; -1 if a row is malformed.
 */
function countRows(p: MarketProblem, open: Uint8Array, counts: Int32Array, act: Int32Array, keys: Int32Array): number {
  const { value, headroom, upper, skipExcess, surface, licensor } = p;
  const n = value.length;
  const S = p.capacity.length;
  const L = p.licensorCap.length;
  let m = 0;
  for (let r = 0; r < n; r++) {
    const v = value[r];
    const h = headroom[r];
    const u = upper[r];
    const e = skipExcess[r];
    const g = surface[r];
    const l = licensor[r];
    // NaN unless all four are finite; headroom and upper must also be >= 0.
    if (!(v * 0 + e * 0 + h * 0 + u * 0 === 0) || h < 0 || u < 0 || g >>> 0 >= S || l >>> 0 >= L) return -1;
    const key = l * S + g;
    // Branch-free count: which rows are out is random from row to row.
    const a = ((h > 0) as unknown as number) & ((u > 0) as unknown as number) & open[key] & (((v > 0) as unknown as number) | ((e < 0) as unknown as number));
    counts[key + 1] += a;
    act[m] = r;
    keys[m] = key;
    m += a;
  }
  return m;
}

/** The rows that can help (act, keys from countRows), sorted by (licensor, surface) (counts: each key's start). */
function fillRows(
  p: MarketProblem,
  act: Int32Array,
  keys: Int32Array,
  m: number,
  counts: Int32Array,
  rows: Int32Array,
  c: Float64Array,
  y: Float64Array,
  d: Float64Array,
  ub: Float64Array,
  skipScale: Float64Array,
): number {
  const { value, headroom, upper, skipExcess, surface } = p;
  let omega = 0;
  for (let j = 0; j < m; j++) {
    const r = act[j];
    const key = keys[j];
    const k = counts[key]++;
    const v = value[r];
    const u = upper[r];
    const e = skipExcess[r];
    const yk = headroom[r] * u;
    rows[k] = r;
    c[k] = v;
    y[k] = yk;
    d[k] = e;
    ub[k] = u;
    omega += Math.abs(v) * yk;
    skipScale[surface[r]] += Math.abs(e) * yk;
  }
  return omega;
}

/** Scales that keep the master's numbers near 1. */
function scalesOf(F: Block, capacity: Float64Array): Scales {
  const S = capacity.length;
  const { c, y, d, segStart, segSurface } = F;
  let omega = 0;
  const skipScale = new Float64Array(S);
  for (let q = 0; q < segSurface.length; q++) {
    let sd = 0;
    for (let k = segStart[q]; k < segStart[q + 1]; k++) {
      omega += Math.abs(c[k]) * y[k];
      sd += Math.abs(d[k]) * y[k];
    }
    skipScale[segSurface[q]] += sd;
  }
  if (!(omega > 0)) omega = 1;
  const capScale = new Float64Array(S);
  for (let g = 0; g < S; g++) {
    capScale[g] = capacity[g] > 0 ? capacity[g] : 1;
    if (!(skipScale[g] > 0)) skipScale[g] = 1;
  }
  return { omega, capScale, skipScale };
}

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

/** A core's shares onto the rows: its own rows, and each super-row's share to the rows it holds. */
function scatterCore(acc: Float64Array, F: Block, core: Core, z: Float64Array): void {
  const { idx, superN, superP, center, licensorPrice, band } = core;
  for (let i = 0; i < idx.length; i++) if (idx[i] >= 0) acc[idx[i]] += z[i];
  const { c, d, segStart, segSurface, licSeg } = F;
  const L = licSeg.length - 1;
  for (let l = 0; l < L; l++) {
    const t = licensorPrice[l];
    for (let q = licSeg[l]; q < licSeg[l + 1]; q++) {
      if (superN[q] < 0 && superP[q] < 0) continue;
      const zN = superN[q] < 0 ? 0 : z[superN[q]];
      const zP = superP[q] < 0 ? 0 : z[superP[q]];
      const g = segSurface[q];
      // The same arithmetic as selectCore, so the same rows.
      const lam = center.lambda[g] + t;
      const mg = center.mu[g];
      const e = segStart[q + 1];
      for (let i = segStart[q]; i < e; i++) {
        const di = d[i];
        const v = c[i] - lam - mg * di;
        const above = ((v > band) as unknown as number) | 0;
        const pos = ((di > 0) as unknown as number) | 0;
        acc[i] += (above & pos) * zP + (above & (pos ^ 1)) * zN;
      }
    }
  }
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
  const sample = n > SAMPLE_ABOVE && n >= SAMPLE_STRIDE * SAMPLE_PER_LICENSOR * licensorsWithRows(F);
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

/** The core around prices pr (see Core), the rows taken in order so every segment stays whole. */
function selectCore(F: Block, pr: Prices, licensorPrice: Float64Array, band: number): Core {
  const { c, y, d, segStart, segSurface, licSeg } = F;
  const L = licSeg.length - 1;
  const nseg = segSurface.length;
  const inside = scratchI32('core.inside', F.n);
  const insideEnd = new Int32Array(nseg);
  // Per segment, the rows above the band with skip excess <= 0 (N) and > 0 (P): sums of y, c*y, d*y.
  const sums = new Float64Array(6 * nseg);
  let k = 0;
  for (let l = 0; l < L; l++) {
    const t = licensorPrice[l];
    for (let q = licSeg[l]; q < licSeg[l + 1]; q++) {
      const g = segSurface[q];
      const lam = pr.lambda[g] + t;
      const mg = pr.mu[g];
      let yP = 0;
      let cP = 0;
      let dP = 0;
      let yN = 0;
      let cN = 0;
      let dN = 0;
      const e = segStart[q + 1];
      for (let i = segStart[q]; i < e; i++) {
        // Branch-free (a comparison's 0/1 used as a number): where a row falls is random.
        const ci = c[i];
        const di = d[i];
        const yi = y[i];
        const v = ci - lam - mg * di;
        inside[k] = i;
        k += ((v <= band) as unknown as number) & ((v >= -band) as unknown as number);
        const above = ((v > band) as unknown as number) | 0;
        const pos = ((di > 0) as unknown as number) | 0;
        const wP = yi * (above & pos);
        const wN = yi * (above & (pos ^ 1));
        yP += wP;
        cP += ci * wP;
        dP += di * wP;
        yN += wN;
        cN += ci * wN;
        dN += di * wN;
      }
      insideEnd[q] = k;
      const o = 6 * q;
      sums[o] = yN;
      sums[o + 1] = cN;
      sums[o + 2] = dN;
      sums[o + 3] = yP;
      sums[o + 4] = cP;
      sums[o + 5] = dP;
    }
  }
  // The core block: per segment its inside rows, then its super-rows.
  let size = k;
  for (let q = 0; q < nseg; q++) size += (sums[6 * q] > 0 ? 1 : 0) + (sums[6 * q + 3] > 0 ? 1 : 0);
  const builder = new BlockBuilder(F.S, L, size, nseg);
  const idx = new Int32Array(size);
  const superN = new Int32Array(nseg).fill(-1);
  const superP = new Int32Array(nseg).fill(-1);
  let from = 0;
  for (let l = 0; l < L; l++) {
    for (let q = licSeg[l]; q < licSeg[l + 1]; q++) {
      const g = segSurface[q];
      for (let a = from; a < insideEnd[q]; a++) {
        const i = inside[a];
        idx[builder.push(l, g, c[i], y[i], d[i])] = i;
      }
      from = insideEnd[q];
      const o = 6 * q;
      if (sums[o] > 0) {
        superN[q] = builder.push(l, g, sums[o + 1] / sums[o], sums[o], sums[o + 2] / sums[o]);
        idx[superN[q]] = -1;
      }
      if (sums[o + 3] > 0) {
        superP[q] = builder.push(l, g, sums[o + 4] / sums[o + 3], sums[o + 3], sums[o + 5] / sums[o + 3]);
        idx[superP[q]] = -1;
      }
    }
  }
  const block = builder.build(F.caps);
  return { block, idx, superN, superP, center: pr, licensorPrice, band };
}

/** The distance from the threshold within which a fraction of the rows lie (from a stride sample). */
function bandFor(F: Block, pr: Prices, licensorPrice: Float64Array, fraction: number): number {
  const step = 16;
  const { c, d, segStart, segSurface, licSeg } = F;
  const L = licSeg.length - 1;
  const m = new Float64Array(Math.ceil(F.n / step) + segSurface.length);
  let j = 0;
  for (let l = 0; l < L; l++) {
    for (let q = licSeg[l]; q < licSeg[l + 1]; q++) {
      const g = segSurface[q];
      const lam = pr.lambda[g] + licensorPrice[l];
      const mg = pr.mu[g];
      for (let i = segStart[q]; i < segStart[q + 1]; i += step) m[j++] = Math.abs(c[i] - lam - mg * d[i]);
    }
  }
  const sample = m.subarray(0, j).sort();
  return sample[Math.min(j - 1, Math.floor(fraction * j))];
}

function licensorsWithRows(F: Block): number {
  let k = 0;
  for (let l = 0; l + 1 < F.licSeg.length; l++) if (F.licSeg[l + 1] > F.licSeg[l]) k++;
  return k;
}

/**
 * Reference prices from a stride sample of the rows: the same LP over every SAMPLE_STRIDE-th row,
 * its capacities and caps scaled by the share of headroom sampled.
 */
function samplePrices(F: Block, capacity: Float64Array, maxIterations: number, start: Prices | undefined, stats: Stats): Prices {
  const S = capacity.length;
  const L = F.caps.length;
  const n = F.n;
  const builder = new BlockBuilder(S, L, Math.ceil(n / SAMPLE_STRIDE) + F.segSurface.length, F.segSurface.length);
  const yAll = new Float64Array(S);
  const ySam = new Float64Array(S);
  const lAll = new Float64Array(L);
  const lSam = new Float64Array(L);
  sampleRows(F, builder, yAll, ySam, lAll, lSam);
  const caps = new Float64Array(L);
  for (let l = 0; l < L; l++) caps[l] = lAll[l] > 0 ? (F.caps[l] * lSam[l]) / lAll[l] : 0;
  const cap = new Float64Array(S);
  for (let g = 0; g < S; g++) cap[g] = yAll[g] > 0 ? (capacity[g] * ySam[g]) / yAll[g] : 0;
  const sub = builder.build(caps);
  const res = engine(sub, cap, scalesOf(sub, cap), SAMPLE_TOLERANCE, maxIterations, start, stats, false);
  return { lambda: res.best.lambda, mu: res.best.mu };
}

/** Every SAMPLE_STRIDE-th row into the builder; headroom per surface and licensor, all and sampled. */
function sampleRows(F: Block, builder: BlockBuilder, yAll: Float64Array, ySam: Float64Array, lAll: Float64Array, lSam: Float64Array): void {
  const { c, y, d, segStart, segSurface, licSeg } = F;
  const L = licSeg.length - 1;
  for (let l = 0; l < L; l++) {
    for (let q = licSeg[l]; q < licSeg[l + 1]; q++) {
      const g = segSurface[q];
      const a = segStart[q];
      const e = segStart[q + 1];
      let total = 0;
      for (let i = a; i < e; i++) total += y[i];
      let sampled = 0;
      for (let i = Math.ceil(a / SAMPLE_STRIDE) * SAMPLE_STRIDE; i < e; i += SAMPLE_STRIDE) {
        builder.push(l, g, c[i], y[i], d[i]);
        sampled += y[i];
      }
      yAll[g] += total;
      lAll[l] += total;
      ySam[g] += sampled;
      lSam[l] += sampled;
    }
  }
}

/**
 * A cold start: per surface, the value at which the surface would just fill if neither licensor
 * caps nor the skip budget existed (a weighted quantile of the rows' values).
 */
function fillPrices(F: Block, capacity: Float64Array): Prices {
  const S = capacity.length;
  const { c, y, segStart, segSurface } = F;
  const lambda = new Float64Array(S);
  const key = new Float64Array(F.n);
  const weight = new Float64Array(F.n);
  for (let g = 0; g < S; g++) {
    let k = 0;
    let total = 0;
    for (let q = 0; q < segSurface.length; q++) {
      if (segSurface[q] !== g) continue;
      for (let i = segStart[q]; i < segStart[q + 1]; i++) {
        if (!(c[i] > 0)) continue;
        key[k] = c[i];
        weight[k] = y[i];
        total += y[i];
        k++;
      }
    }
    if (!(total > capacity[g]) || k === 0) continue;
    lambda[g] = Math.max(0, weightedThreshold(key, weight, k, capacity[g]));
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
  const { segSurface, licSeg } = F;
  const S = F.S;
  const L = licSeg.length - 1;
  const nseg = segSurface.length;
  // Per segment, the use by rows with positive skip excess (which a shrink scales) and the rest.
  // The row loops are functions of their own: the branches here are rarely taken, and entering one
  // for the first time must not send a row loop back to the interpreter.
  const segPos = scratchF64('segPos', nseg);
  const segNeg = scratchF64('segNeg', nseg);
  const skipPos = new Float64Array(S);
  const skipNeg = new Float64Array(S);
  clampAndSplit(F, z, segPos, segNeg, skipPos, skipNeg);
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
  const usage: Usage = { value: 0, capacityUsed: new Float64Array(S), skipUsed: new Float64Array(S), licensorUsed: new Float64Array(L) };
  for (let g = 0; g < S; g++) shrink[g] *= theta;
  applyShares(F, z, shrink, theta, x, rows, ub, usage);
  return usage;
}

/** Clamps z to [0, 1]; sums per segment the use by rows with skip excess > 0 and the rest. */
function clampAndSplit(F: Block, z: Float64Array, segPos: Float64Array, segNeg: Float64Array, skipPos: Float64Array, skipNeg: Float64Array): void {
  const { y, d, segStart, segSurface } = F;
  for (let q = 0; q < segSurface.length; q++) {
    let up = 0;
    let un = 0;
    let sp = 0;
    let sn = 0;
    for (let k = segStart[q], e = segStart[q + 1]; k < e; k++) {
      const zk = Math.min(1, Math.max(0, z[k]));
      z[k] = zk;
      const t = y[k] * zk;
      const dt = d[k] * t;
      // Branch-free split by the sign of the skip excess.
      const pos = ((d[k] > 0) as unknown as number) | 0;
      const tp = t * pos;
      const dp = dt * pos;
      up += tp;
      un += t - tp;
      sp += dp;
      sn -= dt - dp;
    }
    segPos[q] = up;
    segNeg[q] = un;
    skipPos[segSurface[q]] += sp;
    skipNeg[segSurface[q]] += sn;
  }
}

/** Scales the shares (fPos per surface for rows with skip excess > 0, fNeg for the rest), writes x and the usage. */
function applyShares(F: Block, z: Float64Array, fPos: Float64Array, fNeg: number, x: Float64Array, rows: Int32Array, ub: Float64Array, usage: Usage): void {
  const { y, d, c, segStart, segSurface, licSeg } = F;
  const { capacityUsed, skipUsed, licensorUsed } = usage;
  const L = licSeg.length - 1;
  let value = 0;
  for (let l = 0; l < L; l++) {
    let lu = 0;
    for (let q = licSeg[l]; q < licSeg[l + 1]; q++) {
      const g = segSurface[q];
      const fd = fPos[g] - fNeg;
      let cu = 0;
      let su = 0;
      let vu = 0;
      for (let k = segStart[q], e = segStart[q + 1]; k < e; k++) {
        const zk = z[k] * (fNeg + fd * (((d[k] > 0) as unknown as number) | 0));
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
  usage.value = value;
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
