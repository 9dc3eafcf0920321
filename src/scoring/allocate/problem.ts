import type { Certificate } from '../../snapshot/contract.ts';

/**
 * One market's allocation LP (docs/architecture.md, "Allocation"), rows as parallel typed arrays:
 *
 *   maximize   sum_r value_r * headroom_r * x_r
 *   subject to sum_{r in s} headroom_r * x_r               <= capacity_s      (surface capacity)
 *              sum_{r in l} headroom_r * x_r               <= licensorCap_l   (licensor share cap)
 *              sum_{r in s} headroom_r * skipExcess_r * x_r <= 0              (skip budget)
 *              0 <= x_r <= upper_r
 *
 * surface and licensor hold dense ids local to the market (0..S-1, 0..L-1).
 */
export interface MarketProblem {
  value: Float64Array;
  headroom: Float64Array;
  upper: Float64Array;
  skipExcess: Float64Array;
  surface: Int32Array;
  licensor: Int32Array;
  capacity: Float64Array;
  licensorCap: Float64Array;
}

/** A problem of n zeroed rows over the given constraints, for builders that fill the rows in place. */
export function emptyMarketProblem(n: number, capacity: Float64Array, licensorCap: Float64Array): MarketProblem {
  return {
    value: new Float64Array(n),
    headroom: new Float64Array(n),
    upper: new Float64Array(n),
    skipExcess: new Float64Array(n),
    surface: new Int32Array(n),
    licensor: new Int32Array(n),
    capacity,
    licensorCap,
  };
}

/** Prices of the surface constraints; licensor prices follow from them in closed form. */
export interface SurfacePrices {
  capacity: Float64Array;
  skip: Float64Array;
}

export interface MarketSolution {
  /** the granted share per row, exactly feasible */
  x: Float64Array;
  capacityPrice: Float64Array;
  skipPrice: Float64Array;
  licensorPrice: Float64Array;
  capacityUsed: Float64Array;
  skipUsed: Float64Array;
  licensorUsed: Float64Array;
  certificate: Certificate;
  /** master solves */
  iterations: number;
  /** full pricing passes over every row that can help (the passes that give the dual bound) */
  pricings: number;
  /** rows evaluated over all pricing passes: full ones, the core's and the sample's */
  pricedRows: number;
}
