/**
 * The restricted master problem of the allocation's column generation: a tiny dense LP
 *
 *   maximize c'w  subject to  A w <= b,  w >= 0      (b >= 0, so the slack basis is feasible)
 *
 * with a handful of rows (two per surface plus one convexity row) and one column per priced
 * proposal. Solved from scratch by a tableau simplex; Bland's rule after a run of degenerate pivots
 * keeps it from cycling.
 */
export interface MasterResult {
  objective: number;
  /** column weights */
  w: Float64Array;
  /** row duals, >= 0 */
  y: Float64Array;
}

const EPS = 1e-11;

/** a: column-major, a[k][i] = coefficient of column k in row i. */
export function solveMaster(c: ArrayLike<number>, a: ArrayLike<number>[], b: ArrayLike<number>): MasterResult {
  const m = b.length;
  const k = c.length;
  const width = k + m + 1; // columns, slacks, rhs
  const t = new Float64Array((m + 1) * width);
  const rhs = k + m;
  for (let i = 0; i < m; i++) {
    const row = (i + 1) * width;
    for (let j = 0; j < k; j++) t[row + j] = a[j][i];
    t[row + k + i] = 1;
    t[row + rhs] = b[i];
  }
  for (let j = 0; j < k; j++) t[j] = -c[j];
  const basis = new Int32Array(m);
  for (let i = 0; i < m; i++) basis[i] = k + i;

  let degenerate = 0;
  const maxPivots = 50 * (k + m) + 1000;
  for (let pivots = 0; pivots < maxPivots; pivots++) {
    const bland = degenerate > 2 * m;
    let enter = -1;
    let best = -EPS;
    for (let j = 0; j < k + m; j++) {
      if (t[j] < best) {
        enter = j;
        if (bland) break;
        best = t[j];
      }
    }
    if (enter < 0) break;
    // Ratio test in two passes: the smallest ratio, then among the rows that tie with it the
    // largest pivot element. Many rows have rhs 0 (the skip budgets), so ties are the rule, and a
    // tiny pivot taken at a tie (a column barely touching a skip row) blows up the tableau until
    // its reduced costs call a suboptimal vertex optimal. Under Bland's rule ties go to the lowest
    // basic index instead, which is what keeps it from cycling.
    let leave = -1;
    let ratio = Infinity;
    for (let i = 0; i < m; i++) {
      const aij = t[(i + 1) * width + enter];
      if (aij > EPS) {
        const r = t[(i + 1) * width + rhs] / aij;
        if (r < ratio) ratio = r;
      }
    }
    const tie = ratio + 1e-14 + 1e-12 * Math.abs(ratio);
    let pivotSize = 0;
    for (let i = 0; i < m; i++) {
      const aij = t[(i + 1) * width + enter];
      if (!(aij > EPS) || t[(i + 1) * width + rhs] / aij > tie) continue;
      if (leave < 0 || (bland ? basis[i] < basis[leave] : aij > pivotSize)) {
        leave = i;
        pivotSize = aij;
      }
    }
    // Unbounded cannot happen (the convexity row bounds every column); stop defensively.
    if (leave < 0) break;
    degenerate = ratio <= 1e-14 ? degenerate + 1 : 0;
    pivot(t, m, width, leave + 1, enter);
    basis[leave] = enter;
  }
  const w = new Float64Array(k);
  for (let i = 0; i < m; i++) if (basis[i] < k) w[basis[i]] = Math.max(0, t[(i + 1) * width + rhs]);
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) y[i] = Math.max(0, t[k + i]);
  let objective = 0;
  for (let j = 0; j < k; j++) objective += c[j] * w[j];
  return { objective, w, y };
}

function pivot(t: Float64Array, m: number, width: number, pr: number, pc: number): void {
  const prow = pr * width;
  const inv = 1 / t[prow + pc];
  for (let j = 0; j < width; j++) t[prow + j] *= inv;
  t[prow + pc] = 1;
  for (let i = 0; i <= m; i++) {
    if (i === pr) continue;
    const row = i * width;
    const f = t[row + pc];
    if (f === 0) continue;
    for (let j = 0; j < width; j++) t[row + j] -= f * t[prow + j];
    t[row + pc] = 0;
  }
}
