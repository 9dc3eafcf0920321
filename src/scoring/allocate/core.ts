/** The core the loop works on: choosing it around a center, and scattering its shares back onto the rows. */
import { type Block, BlockBuilder } from './pricing.ts';
import type { Prices } from './prices.ts';
import { scratchI32 } from './scratch.ts';

/**
 * The restricted problem the loop works on: the core rows (near their licensor's threshold), and
 * per segment the rows above the band merged into super-rows that take one share together (one for
 * rows with positive skip excess, one for the rest); rows below the band are held at 0. Every
 * response of the core is a whole, feasible response of the market, and x = 0 stays feasible.
 */
export interface Core {
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

/** The core around prices pr (see Core), the rows taken in order so every segment stays whole. */
export function selectCore(F: Block, pr: Prices, licensorPrice: Float64Array, band: number): Core {
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
export function bandFor(F: Block, pr: Prices, licensorPrice: Float64Array, fraction: number): number {
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

/** A core's shares onto the rows: its own rows, and each super-row's share to the rows it holds. */
export function scatterCore(acc: Float64Array, F: Block, core: Core, z: Float64Array): void {
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
