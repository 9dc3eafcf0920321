/** Input checks of a market's problem, with messages that name the offending row or array. */
import type { MarketProblem } from './problem.ts';

/** The slow check behind the fast one, for its message. */
export function checkRows(p: MarketProblem): void {
  const n = p.value.length;
  for (let r = 0; r < n; r++) {
    if (!Number.isFinite(p.value[r]) || !Number.isFinite(p.skipExcess[r]) || !(p.headroom[r] >= 0 && p.headroom[r] < Infinity) || !(p.upper[r] >= 0 && p.upper[r] < Infinity)) {
      throw new RangeError(`allocation problem: row ${r} has a non-finite or negative coefficient`);
    }
    if (p.surface[r] < 0 || p.surface[r] >= p.capacity.length || p.licensor[r] < 0 || p.licensor[r] >= p.licensorCap.length) {
      throw new RangeError(`allocation problem: row ${r} names an unknown surface or licensor`);
    }
  }
}

/** Every row array as long as value; capacities and caps finite and >= 0. */
export function checkShape(p: MarketProblem): void {
  const n = p.value.length;
  for (const [name, arr] of [
    ['headroom', p.headroom],
    ['upper', p.upper],
    ['skipExcess', p.skipExcess],
    ['surface', p.surface],
    ['licensor', p.licensor],
  ] as const) {
    if (arr.length !== n) throw new RangeError(`allocation problem: ${name} has ${arr.length} rows, value has ${n}`);
  }
  for (const [name, arr] of [
    ['capacity', p.capacity],
    ['licensorCap', p.licensorCap],
  ] as const) {
    for (let i = 0; i < arr.length; i++) {
      if (!(arr[i] >= 0) || !Number.isFinite(arr[i])) throw new RangeError(`allocation problem: ${name}[${i}] must be finite and >= 0`);
    }
  }
}
