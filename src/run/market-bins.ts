/**
 * Deterministic bin packing of markets into tasks (longest processing time first): markets sorted
 * by candidate rows descending (then by code), each to the least-loaded bin (ties: lowest index).
 * Every task computes the same bins from the same counts, with no coordination.
 */
export interface MarketWeight {
  market: string;
  rows: number;
}

export function packMarkets(weights: readonly MarketWeight[], bins: number): string[][] {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`bins must be a positive integer, got ${bins}`);
  const sorted = [...weights].sort((a, b) => b.rows - a.rows || (a.market < b.market ? -1 : a.market > b.market ? 1 : 0));
  const load = new Array<number>(bins).fill(0);
  const out: string[][] = Array.from({ length: bins }, () => []);
  for (const w of sorted) {
    let best = 0;
    for (let b = 1; b < bins; b++) if (load[b] < load[best]) best = b;
    out[best].push(w.market);
    load[best] += w.rows;
  }
  for (const o of out) o.sort();
  return out;
}
