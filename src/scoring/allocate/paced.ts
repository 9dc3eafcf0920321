/**
 * Campaign pacing bounds (../pacing.ts) as per-row bounds of a market's allocation LP.
 */
import { emptyMarketProblem, type MarketProblem } from './problem.ts';

/** Per row of the run, as shares of the row's headroom: x_r <= cap_r; the first floor_r of it is worth `penalty` more per impression. */
export interface PacingRows {
  cap: Float64Array;
  floor: Float64Array;
  penalty: number;
}

/**
 * The market's LP with its campaigns' pacing bounds. Both are per-row bounds of the same LP, so the
 * solver, its certificate and its gate apply unchanged: a row's upper bound becomes
 * min(upper, cap), and a row with a floor is split into two pieces over the same headroom, surface,
 * licensor and skip excess — the floor piece, x ≤ floor, worth value + penalty, and the rest, worth
 * value. The floor piece is always at least as good, so it fills first: the objective is the value
 * plus penalty × the floor impressions delivered, i.e. the soft lower bound up to a constant, and
 * the certificate (primal, dual bound, gap) is that of this LP. A floor as high as the cap (the
 * default, upper_slack 0) needs no split: the row itself is worth value + penalty. Without a
 * binding bound the market's problem is the plain one, the same arrays as before.
 */
export function pacedProblem(p: MarketProblem, pacing: PacingRows | undefined, from = 0): MarketProblem & { piece?: Int32Array } {
  if (!pacing) return p;
  const rows = p.value.length;
  const ub = new Float64Array(rows);
  const lo = new Float64Array(rows);
  let pieces = 0;
  let bound = false;
  for (let i = 0; i < rows; i++) {
    ub[i] = p.upper[i];
    if (!(p.upper[i] > 0)) continue;
    ub[i] = Math.min(p.upper[i], pacing.cap[from + i]);
    if (pacing.penalty > 0) lo[i] = Math.min(ub[i], pacing.floor[from + i]);
    if (ub[i] < p.upper[i] || lo[i] > 0) bound = true;
    // a floor as high as the cap needs no second column: the whole row is worth value + penalty
    if (lo[i] > 0 && lo[i] < ub[i]) pieces++;
  }
  if (!bound) return p;
  const n = rows + pieces;
  const out = {
    ...emptyMarketProblem(n, p.capacity, p.licensorCap),
    /** per extra piece (rows..n-1): the market row it belongs to */
    piece: new Int32Array(pieces),
  };
  out.value.set(p.value);
  out.headroom.set(p.headroom);
  out.skipExcess.set(p.skipExcess);
  out.surface.set(p.surface);
  out.licensor.set(p.licensor);
  let j = rows;
  for (let i = 0; i < rows; i++) {
    out.upper[i] = ub[i];
    if (!(lo[i] > 0)) continue;
    if (lo[i] >= ub[i]) {
      out.value[i] = p.value[i] + pacing.penalty;
      continue;
    }
    out.upper[i] = ub[i] - lo[i];
    out.value[j] = p.value[i] + pacing.penalty;
    out.headroom[j] = p.headroom[i];
    out.upper[j] = lo[i];
    out.skipExcess[j] = p.skipExcess[i];
    out.surface[j] = p.surface[i];
    out.licensor[j] = p.licensor[i];
    out.piece[j - rows] = i;
    j++;
  }
  return out;
}

/** Each row's share: its own piece's plus its floor piece's. */
export function foldPieces(x: Float64Array, rows: number, piece: Int32Array): Float64Array {
  const out = Float64Array.from(x.subarray(0, rows));
  for (let j = 0; j < piece.length; j++) out[piece[j]] += x[rows + j];
  return out;
}
