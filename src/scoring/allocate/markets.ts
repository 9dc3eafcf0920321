/**
 * Every market's allocation LP, one after the other over the market's contiguous rows: builds the
 * market's problem from the scored rows, solves it (solve.ts), and returns the shares, the reason
 * bits of the binding constraints, the prices of every row and the manifest's allocation section.
 * Pure: reads its input, writes nothing into it.
 */
import type { AllocationSection, Certificate, LicensorCapAllocation, MarketAllocation, SurfaceAllocation } from '../../snapshot/contract.ts';
import type { Groups, Interned } from '../groups.ts';
import { Reason } from '../reasons.ts';
import { FULL_BOOST_RATIO } from '../ranker-score.ts';
import type { PacingRows } from './paced.ts';
import { foldPieces, pacedProblem } from './paced.ts';
import { relativeGap, solveMarket } from './solve.ts';

export interface AllocateMarketsInput {
  /** allocation constants of the spec */
  allocation: { tolerance: number; max_iterations: number; skip_tolerance: number; kappa_default: number };
  /** the previous snapshot's prices, to warm-start each market */
  warmStart?: AllocationSection;
  /** market names and, per market, where its rows start: rows [runs[m], runs[m + 1]) */
  marketNames: string[];
  runs: Int32Array;
  /** promoted capacity of each market over all its surfaces (base of the licensor caps) */
  marketCapacity: Map<string, number>;
  groups: Groups;
  licensors: Interned;
  /** per row: licensors.max_share, -1 when none */
  licensorMaxShare: Float64Array;
  /** per row, from the kernel */
  value: Float64Array;
  headroom: Float64Array;
  upper: Float64Array;
  skipExcess: Float64Array;
  reason: Uint32Array;
  /**
   * per-campaign pacing bounds, per row as shares of its headroom (../pacing.ts): x_r <= cap_r, and
   * the first floor_r of the share is worth `penalty` more per impression (the soft lower bound)
   */
  pacing?: PacingRows;
}

export interface AllocateMarketsResult {
  /** x_r, per row */
  share: Float64Array;
  /** the kernel's reason bits plus the allocation's (FULL/PARTIAL_BOOST, NOT_ALLOCATED, *_BINDING) */
  reason: Uint32Array;
  /** net value after the prices, c - lambda_s - nu_l - mu_s * d (0 on ineligible rows; see ranker-score.ts) */
  netValue: Float64Array;
  allocation: AllocationSection;
}

export function allocateMarkets(input: AllocateMarketsInput): AllocateMarketsResult {
  const { groups, licensors, runs, marketNames, value, headroom, upper, skipExcess } = input;
  const n = value.length;
  const share = new Float64Array(n);
  const netValue = new Float64Array(n);
  const reason = Uint32Array.from(input.reason);
  const tau = input.allocation.skip_tolerance;
  const localOfGroup = new Int32Array(groups.count).fill(-1);
  const localOfLicensor = new Int32Array(licensors.values.length).fill(-1);
  const result: MarketAllocation[] = [];
  let primal = 0;
  let dual = 0;
  let maxViolation = 0;
  let scale = 0;
  for (let mk = 0; mk < marketNames.length; mk++) {
    const from = runs[mk];
    const to = runs[mk + 1];
    const market = marketNames[mk];
    const rows = to - from;
    // Local ids of the market's surfaces (groups) and licensors, in order of first appearance.
    const groupIds: number[] = [];
    const licensorIds: number[] = [];
    const surface = new Int32Array(rows);
    const licensor = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      const r = from + i;
      const g = groups.group[r];
      if (localOfGroup[g] < 0) {
        localOfGroup[g] = groupIds.length;
        groupIds.push(g);
      }
      surface[i] = localOfGroup[g];
      const l = licensors.ids[r];
      if (localOfLicensor[l] < 0) {
        localOfLicensor[l] = licensorIds.length;
        licensorIds.push(l);
      }
      licensor[i] = localOfLicensor[l];
    }
    const total = input.marketCapacity.get(market) ?? 0;
    const kappa = new Float64Array(licensorIds.length).fill(-1);
    for (let i = 0; i < rows; i++) {
      const l = licensor[i];
      if (kappa[l] < 0) {
        const ms = input.licensorMaxShare[from + i];
        kappa[l] = ms >= 0 ? Math.min(1, ms) : input.allocation.kappa_default;
      }
    }
    const problem = pacedProblem(
      {
        value: value.subarray(from, to),
        headroom: headroom.subarray(from, to),
        upper: upper.subarray(from, to),
        skipExcess: skipExcess.subarray(from, to),
        surface,
        licensor,
        capacity: Float64Array.from(groupIds, (g) => groups.capacity[g]),
        licensorCap: kappa.map((k) => k * total),
      },
      input.pacing,
      from,
    );
    const warm = input.warmStart?.markets.find((m) => m.market === market);
    const sol = solveMarket(problem, {
      tolerance: input.allocation.tolerance,
      maxIterations: input.allocation.max_iterations,
      warmStart: warm
        ? {
            capacity: Float64Array.from(groupIds, (g) => warm.surfaces.find((s) => s.surface === groups.surface[g])?.capacity_price ?? 0),
            skip: Float64Array.from(groupIds, (g) => warm.surfaces.find((s) => s.surface === groups.surface[g])?.skip_price ?? 0),
          }
        : undefined,
    });

    // a row's share is its own piece plus its floor piece, if it has one (pacedProblem)
    const x = problem.piece ? foldPieces(sol.x, rows, problem.piece) : sol.x;
    for (let i = 0; i < rows; i++) {
      const r = from + i;
      const xr = x[i];
      share[r] = xr;
      const ub = upper[r];
      if (!(ub > 0)) continue;
      const g = surface[i];
      const l = licensor[i];
      netValue[r] = value[r] - sol.capacityPrice[g] - sol.licensorPrice[l] - sol.skipPrice[g] * skipExcess[r];
      let bits = reason[r];
      if (xr >= ub * FULL_BOOST_RATIO) bits |= Reason.FULL_BOOST;
      else {
        if (xr > 0) bits |= Reason.PARTIAL_BOOST;
        else if (value[r] > 0) bits |= Reason.NOT_ALLOCATED;
        if (value[r] > 0) {
          if (sol.capacityPrice[g] > 0) bits |= Reason.SURFACE_CAP_BINDING;
          if (sol.licensorPrice[l] > 0) bits |= Reason.LICENSOR_CAP_BINDING;
          if (sol.skipPrice[g] > 0 && skipExcess[r] > 0) bits |= Reason.SKIP_BUDGET_BINDING;
        }
      }
      reason[r] = bits;
    }

    const surfaceEntries: SurfaceAllocation[] = groupIds.map((g, i) => ({
      surface: groups.surface[g],
      capacity: problem.capacity[i],
      skip_baseline: groups.baseline[g],
      skip_tolerance: tau,
      used: sol.capacityUsed[i],
      capacity_price: sol.capacityPrice[i],
      skip_price: sol.skipPrice[i],
    }));
    surfaceEntries.sort((a, b) => (a.surface < b.surface ? -1 : a.surface > b.surface ? 1 : 0));
    const capEntries: LicensorCapAllocation[] = licensorIds.map((l, i) => ({
      licensor_id: licensors.values[l],
      cap: problem.licensorCap[i],
      used: sol.licensorUsed[i],
      price: sol.licensorPrice[i],
    }));
    capEntries.sort((a, b) => (a.licensor_id < b.licensor_id ? -1 : a.licensor_id > b.licensor_id ? 1 : 0));
    result.push({ market, surfaces: surfaceEntries, licensor_caps: capEntries, certificate: sol.certificate });
    primal += sol.certificate.primal;
    dual += sol.certificate.dual_bound;
    maxViolation = Math.max(maxViolation, sol.certificate.max_violation);
    for (let i = 0; i < problem.value.length; i++) scale += Math.abs(problem.value[i] * problem.headroom[i] * problem.upper[i]);
    for (const g of groupIds) localOfGroup[g] = -1;
    for (const l of licensorIds) localOfLicensor[l] = -1;
  }
  const certificate: Certificate = {
    primal,
    dual_bound: dual,
    gap: relativeGap(dual, primal, scale),
    max_violation: maxViolation,
  };
  return { share, reason, netValue, allocation: { tolerance: input.allocation.tolerance, certificate, markets: result } };
}

