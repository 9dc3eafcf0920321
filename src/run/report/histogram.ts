/** Equal-width histograms over columns, one pass each; what the report's distribution charts draw. */
export interface Histogram {
  edges: number[];
  counts: number[];
}

/** Equal-width histogram of finite values (optionally only rows passing `filter`), over [lo, hi] when given. */
export function histogram(values: ArrayLike<number>, bins = 30, filter?: (i: number) => boolean, range?: [number, number]): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  if (range) [lo, hi] = range;
  else {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v) || (filter && !filter(i))) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { edges: [0, 1], counts: [0] };
  if (hi <= lo) hi = lo + 1;
  const counts = new Array<number>(bins).fill(0);
  const w = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || (filter && !filter(i)) || v < lo || v > hi) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, k) => lo + k * w);
  return { edges, counts };
}

/**
 * The share of a distribution known only by its quantiles (the previous manifest's score_quantiles)
 * that falls in each bin of `edges`, reading the CDF as linear between quantiles.
 */
export function sharesFromQuantiles(q: Record<string, number>, edges: number[]): number[] {
  const pts = Object.entries(q)
    .map(([k, v]) => ({ level: Number(/^p(\d+(?:\.\d+)?)$/.exec(k)?.[1]) / 100, value: v }))
    .filter((p) => Number.isFinite(p.level) && Number.isFinite(p.value))
    .sort((a, b) => a.level - b.level || a.value - b.value);
  if (pts.length < 2) return edges.slice(1).map(() => 0);
  const cdf = (x: number): number => {
    if (x < pts[0].value) return 0;
    if (x >= pts[pts.length - 1].value) return 1;
    let level = 0;
    for (let j = 0; j < pts.length - 1; j++) {
      const a = pts[j];
      const b = pts[j + 1];
      if (x < a.value) break;
      level = x >= b.value ? b.level : b.value > a.value ? a.level + ((b.level - a.level) * (x - a.value)) / (b.value - a.value) : b.level;
    }
    return level;
  };
  // the first bin starts at its left edge inclusive: an atom of equal scores there (many zeros) counts in it
  return edges.slice(1).map((e, i) => Math.max(0, cdf(e) - (i === 0 && edges[0] <= pts[0].value ? 0 : cdf(edges[i]))));
}
