/** The stride sample of a large block, whose solve gives the loop its first center. */
import { type Block, BlockBuilder } from './pricing.ts';

/** A block this large takes its reference prices from a stride sample of 1 in SAMPLE_STRIDE rows. */
const SAMPLE_ABOVE = 6000;
const SAMPLE_STRIDE = 8;
/** ...and only when the sample holds this many rows per licensor (else its caps say little). */
const SAMPLE_PER_LICENSOR = 8;

/** Whether F is large enough to sample, and the sample would hold enough rows per licensor. */
export function worthSampling(F: Block): boolean {
  return F.n > SAMPLE_ABOVE && F.n >= SAMPLE_STRIDE * SAMPLE_PER_LICENSOR * licensorsWithRows(F);
}

function licensorsWithRows(F: Block): number {
  let k = 0;
  for (let l = 0; l + 1 < F.licSeg.length; l++) if (F.licSeg[l + 1] > F.licSeg[l]) k++;
  return k;
}

export interface SampleProblem {
  block: Block;
  capacity: Float64Array;
}

/** The same LP over every SAMPLE_STRIDE-th row of F, its capacities and caps scaled by the share of headroom sampled. */
export function sampleProblem(F: Block, capacity: Float64Array): SampleProblem {
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
  return { block: builder.build(caps), capacity: cap };
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
