/**
 * The exploration budget (docs/scoring.md, "Exploration"). The kernel gives each eligible row a
 * candidate bonus (the width of its save estimate); here, per (market, surface), the rows with the
 * widest bonus get it, until their headroom reaches exploration.capacity_share of the surface's
 * promoted capacity. A row can move at most its headroom, so the bonus can move at most that share
 * of the capacity, whatever the LP does with it. Pure: returns new arrays.
 */
import { Reason } from './reasons.ts';

export interface ExplorationInput {
  /** per row: the kernel's candidate bonus (0: none), value without the bonus, reason bits, headroom */
  candidate: Float64Array;
  value: Float64Array;
  reason: Uint32Array;
  headroom: Float64Array;
  /** per row: its (market, surface) group; per group: promoted capacity */
  group: Int32Array;
  groupCapacity: Float64Array;
  /** exploration.capacity_share */
  capacityShare: number;
}

export interface ExplorationResult {
  /** the bonus each row got (0 for rows outside the budget) */
  bonus: Float64Array;
  /** value + bonus */
  value: Float64Array;
  reason: Uint32Array;
}

export function applyExplorationBudget(input: ExplorationInput): ExplorationResult {
  const { candidate, headroom, group, groupCapacity, capacityShare } = input;
  const n = candidate.length;
  const bonus = new Float64Array(n);
  const value = Float64Array.from(input.value);
  const reason = Uint32Array.from(input.reason);
  const rows: number[] = [];
  for (let r = 0; r < n; r++) if (candidate[r] > 0) rows.push(r);
  // per group, the widest bonus first; ties in row order (deterministic)
  rows.sort((a, b) => group[a] - group[b] || candidate[b] - candidate[a] || a - b);
  let g = -1;
  let left = 0;
  for (const r of rows) {
    if (group[r] !== g) {
      g = group[r];
      left = capacityShare * groupCapacity[g];
    }
    if (!(headroom[r] <= left)) continue;
    left -= headroom[r];
    bonus[r] = candidate[r];
    value[r] += candidate[r];
    let bits = reason[r] | Reason.EXPLORATION_BONUS;
    bits = value[r] > 0 ? bits & ~Reason.NO_VALUE : bits | Reason.NO_VALUE;
    reason[r] = bits >>> 0;
  }
  return { bonus, value, reason };
}
