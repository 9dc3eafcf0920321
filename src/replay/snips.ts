/**
 * Self-normalized inverse propensity scoring over the rows whose logged action supports the
 * replayed one (docs/evaluation.md, "Replay"):
 *
 *     V̂ = n · Σ m·w·r / Σ m·w,   n = Σ m
 *
 * over rows with planned > 0 and a finite weight w; r is the row's logged increment and m its
 * block's multiplicity (1 for the point estimate, a bootstrap draw otherwise). E[w] = 1 per row,
 * so Σ m·w/n → 1 and V̂ estimates the total increment of those rows under the replayed action.
 */
import type { ReplayRows } from './rows.ts';

export interface SnipsPart {
  value: number;
  /** supported rows (multiplicity-weighted) */
  rows: number;
  /** rows whose logged action matched (w > 0) */
  matched: number;
  weightSum: number;
}

export function supported(rows: ReplayRows, i: number): boolean {
  return rows.planned[i] > 0 && Number.isFinite(rows.weight[i]);
}

export function snips(rows: ReplayRows, mult?: Float64Array): SnipsPart {
  let n = 0;
  let matched = 0;
  let sw = 0;
  let swr = 0;
  for (let i = 0; i < rows.n; i++) {
    if (!supported(rows, i)) continue;
    const m = mult ? mult[rows.block[i]] : 1;
    if (m === 0) continue;
    const w = rows.weight[i];
    n += m;
    if (w > 0) matched += m;
    sw += m * w;
    swr += m * w * rows.increment[i];
  }
  return { value: sw > 0 ? (n * swr) / sw : 0, rows: n, matched, weightSum: sw };
}
