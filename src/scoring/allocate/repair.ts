/** Makes the loop's mixed shares exactly feasible, writes x and measures the final usage. */
import type { Block } from './pricing.ts';
import { scratchF64 } from './scratch.ts';

export interface Usage {
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
export function repair(F: Block, z: Float64Array, capacity: Float64Array, x: Float64Array, rows: Int32Array, ub: Float64Array): Usage {
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
