/**
 * Population stability index of a score column against the previous snapshot's score quantiles
 * (manifest stats: p0 p1 p5 p25 p50 p75 p95 p99 p100). Bins are the previous quantile levels; the
 * expected share of a bin is the gap between its levels, the actual share comes from where the new
 * scores fall. Ties matter (many rows share a score of 0): where a previous quantile value carries
 * a mass of equal new scores, the new CDF is read as the level itself when the level lies inside that
 * mass, so an unchanged distribution scores ~0 instead of exploding on zero-width bins.
 */
const FLOOR = 1e-4;

export interface PsiResult {
  psi: number;
  bins: { level: number; expected: number; actual: number }[];
}

/** Levels in (0, 1) parsed from keys like "p25"; p0 and p100 carry no bin edge. */
export function quantileEdges(q: Record<string, number>): { level: number; value: number }[] {
  const out: { level: number; value: number }[] = [];
  for (const [k, v] of Object.entries(q)) {
    const m = /^p(\d+(?:\.\d+)?)$/.exec(k);
    if (!m || !Number.isFinite(v)) continue;
    const level = Number(m[1]) / 100;
    if (level > 0 && level < 1) out.push({ level, value: v });
  }
  return out.sort((a, b) => a.level - b.level);
}

export function scorePsi(previous: Record<string, number>, scores: ArrayLike<number>): PsiResult | null {
  const edges = quantileEdges(previous);
  if (edges.length === 0) return null;
  const k = edges.length;
  const below = new Float64Array(k);
  const atOrBelow = new Float64Array(k);
  let n = 0;
  for (let i = 0; i < scores.length; i++) {
    const x = scores[i];
    if (Number.isNaN(x)) continue;
    n++;
    for (let j = 0; j < k; j++) {
      const e = edges[j].value;
      if (x < e) below[j]++;
      if (x <= e) atOrBelow[j]++;
    }
  }
  if (n === 0) return null;
  const cdf = edges.map((e, j) => Math.min(Math.max(e.level, below[j] / n), atOrBelow[j] / n));
  const bins: PsiResult['bins'] = [];
  let psi = 0;
  let prevLevel = 0;
  let prevCdf = 0;
  for (let j = 0; j <= k; j++) {
    const level = j < k ? edges[j].level : 1;
    const c = j < k ? cdf[j] : 1;
    const expected = Math.max(level - prevLevel, FLOOR);
    const actual = Math.max(c - prevCdf, FLOOR);
    psi += (actual - expected) * Math.log(actual / expected);
    bins.push({ level, expected: level - prevLevel, actual: c - prevCdf });
    prevLevel = level;
    prevCdf = c;
  }
  return { psi, bins };
}
