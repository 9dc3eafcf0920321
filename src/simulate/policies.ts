/**
 * The baseline policies, each deciding shares for the rows of the snapshot its own world's job
 * published (eligibility, headroom and the job's estimates come from there), and the oracle, which
 * solves the job's LP with the world's true rates (docs/evaluation.md, "Policies").
 */
import { emptyMarketProblem, type MarketProblem } from '../scoring/allocate/problem.ts';
import { solveMarket } from '../scoring/allocate/solve.ts';
import type { PublishedRows } from './read-published.ts';
import { SATURATION } from './serve.ts';
import type { DayTruth, World } from './world.ts';

export interface PolicyParams {
  maxBoost: number;
  skipTolerance: number;
  saveWeight: number;
  commissionWeight: number;
}

interface GroupFacts {
  capacity: Float64Array;
  baseline: Float64Array;
  tolerance: Float64Array;
}

/** Capacity, organic skip baseline and τ per world group, as the job published them. */
function groupFacts(w: World, rows: PublishedRows, params: PolicyParams): GroupFacts {
  const f: GroupFacts = {
    capacity: new Float64Array(w.nGroups),
    baseline: new Float64Array(w.nGroups),
    tolerance: new Float64Array(w.nGroups).fill(params.skipTolerance),
  };
  const surf = new Map([['radio', 0], ['autoplay', 1], ['mix', 2]]);
  for (const m of rows.allocation.markets) {
    const mi = w.marketIndex.get(m.market);
    if (mi === undefined) continue;
    for (const s of m.surfaces) {
      const si = surf.get(s.surface);
      if (si === undefined) continue;
      const g = mi * 3 + si;
      f.capacity[g] = s.capacity;
      f.baseline[g] = s.skip_baseline;
      f.tolerance[g] = s.skip_tolerance;
    }
  }
  return f;
}

const eligible = (rows: PublishedRows, r: number) => rows.upper[r] > 0 && rows.key[r] >= 0 && rows.market[r] >= 0 && rows.surface[r] >= 0;

/** Expected promoted impressions of a key at intent b (the response of serve.ts, without its noise). */
export function expectedPromoted(organic: number, b: number): number {
  return b > 0 ? organic * SATURATION * (1 - Math.exp(-b / SATURATION)) : 0;
}

/**
 * `uniform`: one share per (market, surface) for every eligible row, set so that its true excess
 * skips (promoted skips above the surface's organic rate) equal those of the spec policy on the
 * same surface and day (equal harm), and never more than the surface's capacity would take.
 */
export function uniformShares(w: World, rows: PublishedRows, truth: DayTruth, params: PolicyParams, targetExcess: Float64Array): Float64Array {
  const x = new Float64Array(rows.n);
  const facts = groupFacts(w, rows, params);
  const room = params.maxBoost - 1;
  const headroom = new Float64Array(w.nGroups);
  const count = new Map<number, number>();
  const byGroup: number[][] = Array.from({ length: w.nGroups }, () => []);
  for (let r = 0; r < rows.n; r++) {
    if (!eligible(rows, r)) continue;
    const g = rows.market[r] * 3 + rows.surface[r];
    headroom[g] += rows.headroom[r];
    const k = rows.key[r];
    if (!count.has(k)) byGroup[g].push(k);
    count.set(k, (count.get(k) ?? 0) + 1);
  }
  const share = new Float64Array(w.nGroups);
  for (let g = 0; g < w.nGroups; g++) {
    const keys = byGroup[g];
    if (!keys.length || !(headroom[g] > 0)) continue;
    const top = Math.min(1, facts.capacity[g] / headroom[g]);
    const excess = (a: number) => {
      let e = 0;
      for (const k of keys) e += expectedPromoted(truth.organic[k], count.get(k)! * a * room) * (truth.pSkip[k] - truth.meanSkip[g]);
      return e;
    };
    const target = targetExcess[g];
    if (excess(top) <= target) share[g] = top;
    else if (target <= 0) share[g] = 0;
    else {
      let lo = 0;
      let hi = top;
      for (let it = 0; it < 40; it++) {
        const mid = (lo + hi) / 2;
        if (excess(mid) <= target) lo = mid;
        else hi = mid;
      }
      share[g] = lo;
    }
  }
  for (let r = 0; r < rows.n; r++) if (eligible(rows, r)) x[r] = share[rows.market[r] * 3 + rows.surface[r]];
  return x;
}

/**
 * `greedy`: per (market, surface), eligible rows by the job's estimated save rate, best first, each
 * fully boosted until the capacity is spent; a row that would push the skip budget (the job's
 * pessimistic skip rate over baseline + τ, as in the LP) above zero is passed over.
 */
export function greedyShares(w: World, rows: PublishedRows, params: PolicyParams): Float64Array {
  const x = new Float64Array(rows.n);
  const facts = groupFacts(w, rows, params);
  const byGroup: number[][] = Array.from({ length: w.nGroups }, () => []);
  for (let r = 0; r < rows.n; r++) if (eligible(rows, r) && rows.headroom[r] > 0) byGroup[rows.market[r] * 3 + rows.surface[r]].push(r);
  const est = (r: number) => (Number.isFinite(rows.saveRate[r]) ? rows.saveRate[r] : rows.value[r]);
  for (let g = 0; g < w.nGroups; g++) {
    const list = byGroup[g].sort((a, b) => est(b) - est(a) || a - b);
    let used = 0;
    let budget = 0;
    const cap = facts.capacity[g];
    for (const r of list) {
      if (used >= cap) break;
      const u = rows.headroom[r];
      const share = Math.min(1, (cap - used) / u);
      const e = u * share * (rows.skipUpper[r] - facts.baseline[g] - facts.tolerance[g]);
      if (budget + e > 1e-9 * cap) continue;
      x[r] = share;
      used += u * share;
      budget += e;
    }
  }
  return x;
}

/** The oracle's LP of one market, on the rows the job found eligible, with the world's true rates. */
export interface OracleMarket {
  market: string;
  rows: number[];
  problem: MarketProblem;
}

export function oracleProblems(w: World, rows: PublishedRows, truth: DayTruth, params: PolicyParams): OracleMarket[] {
  const out: OracleMarket[] = [];
  const room = params.maxBoost - 1;
  const surf = new Map([['radio', 0], ['autoplay', 1], ['mix', 2]]);
  const byMarket = new Map<number, number[]>();
  for (let r = 0; r < rows.n; r++) {
    if (!eligible(rows, r)) continue;
    let list = byMarket.get(rows.market[r]);
    if (!list) byMarket.set(rows.market[r], (list = []));
    list.push(r);
  }
  for (const m of rows.allocation.markets) {
    const mi = w.marketIndex.get(m.market);
    const list = mi === undefined ? undefined : byMarket.get(mi);
    if (mi === undefined || !list) continue;
    const surfaceLocal = new Map<number, number>();
    const capacity: number[] = [];
    for (const s of m.surfaces) {
      const si = surf.get(s.surface);
      if (si === undefined) continue;
      surfaceLocal.set(si, capacity.length);
      capacity.push(s.capacity);
    }
    const licensorLocal = new Map<number, number>();
    const caps: number[] = [];
    for (const l of m.licensor_caps) {
      const li = w.licensorIndex.get(l.licensor_id);
      if (li === undefined) continue;
      licensorLocal.set(li, caps.length);
      caps.push(l.cap);
    }
    const kept = list.filter((r) => surfaceLocal.has(rows.surface[r]));
    const n = kept.length;
    const p: MarketProblem = emptyMarketProblem(n, Float64Array.from(capacity), new Float64Array(0));
    kept.forEach((r, i) => {
      const k = rows.key[r];
      const g = w.group[k];
      const c = rows.campaign[r];
      const commission = c >= 0 ? w.model.campCommission[c] : 0;
      p.value[i] = params.saveWeight * (truth.pSave[k] - truth.meanSave[g]) + params.commissionWeight * commission;
      p.headroom[i] = truth.organic[k] * room;
      p.upper[i] = Math.min(1, rows.upper[r]);
      p.skipExcess[i] = truth.pSkip[k] - truth.meanSkip[g] - params.skipTolerance;
      p.surface[i] = surfaceLocal.get(rows.surface[r])!;
      let l = licensorLocal.get(rows.licensor[r]);
      if (l === undefined) {
        // a licensor the manifest does not list has no cap of its own: the market's whole capacity
        licensorLocal.set(rows.licensor[r], (l = caps.length));
        caps.push(capacity.reduce((a, b) => a + b, 0));
      }
      p.licensor[i] = l;
    });
    p.licensorCap = Float64Array.from(caps);
    out.push({ market: m.market, rows: kept, problem: p });
  }
  return out;
}

/** `oracle`: the LP on true rates, solved by the job's own solver to the job's tolerance. */
export function oracleShares(w: World, rows: PublishedRows, truth: DayTruth, params: PolicyParams, tolerance: number): Float64Array {
  const x = new Float64Array(rows.n);
  for (const m of oracleProblems(w, rows, truth, params)) {
    if (!m.rows.length) continue;
    const sol = solveMarket(m.problem, { tolerance, maxIterations: 2000 });
    m.rows.forEach((r, i) => (x[r] = sol.x[i]));
  }
  return x;
}
