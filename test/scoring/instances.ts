/** Seeded random allocation instances of varied shapes, and their CPLEX LP text for HiGHS. */
import type { MarketProblem } from '../../src/scoring/allocate/problem.ts';

import { mulberry32 } from '../../src/core/rng.ts';

export const rng = mulberry32;

export const SHAPES = [
  'loose',
  'tight',
  'dominant-licensor',
  'all-ineligible',
  'zero-capacity',
  'ties',
  'negative-values',
  'many-licensors',
  'skip-heavy',
  'mixed',
] as const;
export type Shape = (typeof SHAPES)[number];

export function randomInstance(seed: number, shape: Shape, size?: number): MarketProblem {
  const rand = rng(seed);
  const n = size ?? (shape === 'many-licensors' ? 2500 + Math.floor(rand() * 1500) : 5 + Math.floor(rand() * 400));
  const S = 1 + Math.floor(rand() * 3);
  const L = shape === 'many-licensors' ? 1000 + Math.floor(rand() * 1500) : 1 + Math.floor(rand() * Math.min(60, n));
  const value = new Float64Array(n);
  const headroom = new Float64Array(n);
  const upper = new Float64Array(n);
  const skipExcess = new Float64Array(n);
  const surface = new Int32Array(n);
  const licensor = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    surface[r] = Math.floor(rand() * S);
    licensor[r] = shape === 'dominant-licensor' && rand() < 0.8 ? 0 : Math.floor(rand() * L);
    if (shape === 'ties') value[r] = [0.1, 0.2, 0.2, 0.5][Math.floor(rand() * 4)];
    else if (shape === 'negative-values') value[r] = -0.5 + rand() * 0.6;
    else value[r] = -0.05 + rand();
    headroom[r] = rand() < 0.05 ? 0 : shape === 'ties' ? 100 : Math.round(1 + rand() * 1000);
    upper[r] = shape === 'all-ineligible' ? 0 : rand() < 0.1 ? 0 : 1;
    skipExcess[r] = shape === 'skip-heavy' ? -0.05 + rand() * 0.3 : shape === 'ties' ? [-0.05, 0.02][r % 2] : -0.2 + rand() * 0.35;
  }
  const perSurface = new Float64Array(S);
  for (let r = 0; r < n; r++) perSurface[surface[r]] += headroom[r] * upper[r];
  const capacity = new Float64Array(S);
  let total = 0;
  for (let g = 0; g < S; g++) {
    const f = shape === 'loose' ? 2 : shape === 'tight' ? 0.03 + rand() * 0.1 : 0.05 + rand() * 0.8;
    capacity[g] = shape === 'zero-capacity' && g === 0 ? 0 : Math.round(f * perSurface[g] + (rand() < 0.3 ? 0 : 50));
    total += capacity[g];
  }
  const licensorCap = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    const kappa = shape === 'loose' ? 1 : shape === 'many-licensors' ? 0.002 + rand() * 0.01 : 0.05 + rand() * 0.5;
    licensorCap[l] = rand() < 0.05 ? 0 : kappa * total;
  }
  return { value, headroom, upper, skipExcess, surface, licensor, capacity, licensorCap };
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(17);
}
function term(coef: number, name: string): string {
  return `${coef < 0 ? '-' : '+'} ${num(Math.abs(coef))} ${name}`;
}

/** The same LP in CPLEX LP format, variables x0..x{n-1}. */
export function toLpText(p: MarketProblem): string {
  const n = p.value.length;
  const lines: string[] = ['Maximize', ' obj:'];
  const obj: string[] = [];
  for (let r = 0; r < n; r++) {
    const c = p.value[r] * p.headroom[r];
    if (c !== 0) obj.push(term(c, `x${r}`));
  }
  if (obj.length === 0) obj.push('+ 0 x0');
  lines.push(...chunk(obj));
  lines.push('Subject To');
  const S = p.capacity.length;
  const L = p.licensorCap.length;
  const cap: string[][] = Array.from({ length: S }, () => []);
  const skip: string[][] = Array.from({ length: S }, () => []);
  const lic: string[][] = Array.from({ length: L }, () => []);
  for (let r = 0; r < n; r++) {
    const u = p.headroom[r];
    if (u === 0) continue;
    cap[p.surface[r]].push(term(u, `x${r}`));
    lic[p.licensor[r]].push(term(u, `x${r}`));
    const k = u * p.skipExcess[r];
    if (k !== 0) skip[p.surface[r]].push(term(k, `x${r}`));
  }
  for (let g = 0; g < S; g++) {
    if (cap[g].length) lines.push(` cap${g}:`, ...chunk(cap[g]), ` <= ${num(p.capacity[g])}`);
    if (skip[g].length) lines.push(` skip${g}:`, ...chunk(skip[g]), ' <= 0');
  }
  for (let l = 0; l < L; l++) if (lic[l].length) lines.push(` lic${l}:`, ...chunk(lic[l]), ` <= ${num(p.licensorCap[l])}`);
  lines.push('Bounds');
  for (let r = 0; r < n; r++) lines.push(` 0 <= x${r} <= ${num(p.upper[r])}`);
  lines.push('End');
  return lines.join('\n');
}

function chunk(terms: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < terms.length; i += 8) out.push('  ' + terms.slice(i, i + 8).join(' '));
  return out;
}

/** Largest relative violation of x in p (0 when feasible). */
export function violation(p: MarketProblem, x: Float64Array): number {
  const S = p.capacity.length;
  const cap = new Float64Array(S);
  const skip = new Float64Array(S);
  const skipScale = new Float64Array(S);
  const lic = new Float64Array(p.licensorCap.length);
  let worst = 0;
  for (let r = 0; r < x.length; r++) {
    if (x[r] < 0) worst = Math.max(worst, -x[r]);
    if (x[r] > p.upper[r]) worst = Math.max(worst, x[r] - p.upper[r]);
    const y = p.headroom[r] * x[r];
    cap[p.surface[r]] += y;
    skip[p.surface[r]] += y * p.skipExcess[r];
    skipScale[p.surface[r]] += Math.abs(y * p.skipExcess[r]);
    lic[p.licensor[r]] += y;
  }
  for (let g = 0; g < S; g++) {
    worst = Math.max(worst, (cap[g] - p.capacity[g]) / Math.max(1, p.capacity[g]));
    worst = Math.max(worst, skip[g] / Math.max(1, skipScale[g]));
  }
  for (let l = 0; l < lic.length; l++) worst = Math.max(worst, (lic[l] - p.licensorCap[l]) / Math.max(1, p.licensorCap[l]));
  return worst;
}
