/** The scales that keep the master LP's numbers near 1: value, and capacity and skip use per surface. */
import type { Block } from './pricing.ts';

export interface Scales {
  omega: number;
  capScale: Float64Array;
  skipScale: Float64Array;
}

/** A block's scales (the sample's); the market's own come with its block (market-block.ts). */
export function scalesOf(F: Block, capacity: Float64Array): Scales {
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
