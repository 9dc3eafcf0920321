/**
 * The direct method (docs/evaluation.md, "Replay"): where the log gives no support, the replayed
 * allocation's planned promoted impressions times the increment per promoted impression observed
 * in the horizon, pooled over the key's (market, surface) group (all groups together when the
 * group has no promoted outcome):
 *
 *     V̂ = Σ m · planned · v̂_g,    v̂_g = Σ m·increment / Σ m·impressions over logged promoted rows of g
 *
 * It inherits the job's linear response (planned = headroom × share) and assumes the promoted
 * keys of a group are alike: a model, not a measurement, so the output says how much of the
 * estimate rests on it (method mix).
 */
import type { ReplayRows } from './rows.ts';

/** v̂ per group, and the pooled rate; NaN where there is no promoted outcome at all. */
export function incrementRates(rows: ReplayRows, groups: number, mult?: Float64Array): { byGroup: Float64Array; pooled: number } {
  const inc = new Float64Array(groups);
  const imp = new Float64Array(groups);
  let incAll = 0;
  let impAll = 0;
  for (let i = 0; i < rows.n; i++) {
    if (!(rows.impressions[i] > 0)) continue;
    const m = mult ? mult[rows.block[i]] : 1;
    if (m === 0) continue;
    inc[rows.group[i]] += m * rows.increment[i];
    imp[rows.group[i]] += m * rows.impressions[i];
    incAll += m * rows.increment[i];
    impAll += m * rows.impressions[i];
  }
  const byGroup = new Float64Array(groups);
  for (let g = 0; g < groups; g++) byGroup[g] = imp[g] > 0 ? inc[g] / imp[g] : NaN;
  return { byGroup, pooled: impAll > 0 ? incAll / impAll : NaN };
}

export interface DirectPart {
  value: number;
  /** planned impressions the direct method valued (multiplicity-weighted) */
  planned: number;
  /** of those, planned impressions with no promoted outcome anywhere in the horizon (valued at 0) */
  unvalued: number;
}

/** The direct method over the rows `use` selects (rows the replayed allocation promotes). */
export function direct(rows: ReplayRows, groups: number, use: (i: number) => boolean, mult?: Float64Array): DirectPart {
  const rates = incrementRates(rows, groups, mult);
  let value = 0;
  let planned = 0;
  let unvalued = 0;
  for (let i = 0; i < rows.n; i++) {
    if (!(rows.planned[i] > 0) || !use(i)) continue;
    const m = mult ? mult[rows.block[i]] : 1;
    if (m === 0) continue;
    const g = rows.group[i];
    const v = Number.isFinite(rates.byGroup[g]) ? rates.byGroup[g] : rates.pooled;
    planned += m * rows.planned[i];
    if (Number.isFinite(v)) value += m * rows.planned[i] * v;
    else unvalued += m * rows.planned[i];
  }
  return { value, planned, unvalued };
}
