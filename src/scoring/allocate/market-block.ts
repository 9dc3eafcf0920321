/** The market's rows that can help, validated and laid out as a Block, with the master's scales. */
import { checkRows } from './checks.ts';
import { Block } from './pricing.ts';
import type { MarketProblem } from './problem.ts';
import type { Scales } from './scales.ts';
import { scratchF64, scratchI32 } from './scratch.ts';

export interface MarketBlock {
  full: Block;
  /** rows in the block (full.n) */
  m: number;
  /** per block row, its row of the problem and its upper bound */
  rows: Int32Array;
  ub: Float64Array;
  scales: Scales;
}

/** The block of p's rows that can help; p's shape is checked already (checkShape), its rows here. */
export function marketBlock(p: MarketProblem): MarketBlock {
  const n = p.value.length;
  const S = p.capacity.length;
  const L = p.licensorCap.length;
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
  // Scales keep the master's numbers near 1. omega and skipScale are summed row by row in fillRows,
  // not per segment as scalesOf does: the order of the sums decides their last bits.
  if (!(omega > 0)) omega = 1;
  const capScale = new Float64Array(S);
  for (let g = 0; g < S; g++) {
    capScale[g] = capacity[g] > 0 ? capacity[g] : 1;
    if (!(skipScale[g] > 0)) skipScale[g] = 1;
  }
  const scales: Scales = { omega, capScale, skipScale };
  return { full, m, rows, ub, scales };
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
