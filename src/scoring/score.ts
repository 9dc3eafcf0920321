/**
 * The scoring stage (see stage.ts): features in, snapshot columns and the manifest's allocation
 * section out. Pure: no clock, no file, no vendor; the same input, spec and seed give identical
 * bytes.
 */
import { DataType, Float32, Float64, makeVector, Table, Uint32, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { InputDataError } from '../core/errors.ts';
import type { AllocationSection, Certificate, LicensorCapAllocation, MarketAllocation, SurfaceAllocation } from '../snapshot/contract.ts';
import { relativeGap, solveMarket } from './allocate/solve.ts';
import type { MarketProblem } from './allocate/problem.ts';
import { CANDIDATE_NUMERIC_COLUMNS, CANDIDATE_STRING_COLUMNS, SURFACE_NUMERIC_COLUMNS, type CandidateNumericColumn } from './features.ts';
import { firstNonFinite, numericColumn, stringColumn } from './kernels/columns.ts';
import { allocateKernelOutput, kernelConstants, type KernelOutput } from './kernels/fused.ts';
import { scoreKernelSimd } from './kernels/simd/fused-simd.ts';
import { intern, normalFromHash, rowKeyHashes } from './kernels/keys.ts';
import { fitBetaPriors } from './kernels/priors.ts';
import { INELIGIBLE_MASK, Reason } from './reasons.ts';
import { rhoOf, type ScoringSpec } from './spec.ts';
import type { ScoreContext, ScoreInput, ScoreOutput } from './stage.ts';

/** Diagnostic columns after the contract columns, all float64, in this order. */
export const DIAGNOSTIC_COLUMNS = [
  'impressions',
  'skips',
  'saves',
  'promoted_impressions',
  'promoted_impressions_1d',
  'daily_impression_target',
  'market_streams_28d',
  'track_age_days',
  'commission_rate',
  'skip_prior_alpha',
  'skip_prior_beta',
  'save_prior_alpha',
  'save_prior_beta',
  'skip_rate',
  'save_rate',
  'skip_baseline',
  'skip_excess',
  'exploration_bonus',
  'pacing',
  'forecast_impressions',
] as const;

interface Groups {
  count: number;
  /** per row */
  group: Int32Array;
  market: string[];
  surface: string[];
  capacity: Float64Array;
  baseline: Float64Array;
}

export function score(input: ScoreInput, spec: ScoringSpec, ctx: ScoreContext): ScoreOutput {
  const cand = input.candidates;
  const n = cand.numRows;
  const strings = Object.fromEntries(CANDIDATE_STRING_COLUMNS.map((c) => [c, stringColumn(cand, 'candidates', c)])) as Record<
    (typeof CANDIDATE_STRING_COLUMNS)[number],
    Vector
  >;
  const num = {} as Record<CandidateNumericColumn, Float64Array>;
  for (const c of CANDIDATE_NUMERIC_COLUMNS) {
    num[c] = numericColumn(cand, 'candidates', c);
    const bad = firstNonFinite(num[c]);
    if (bad >= 0) throw new InputDataError(`candidates: column ${c} is not finite at row ${bad} (${rowKey(strings, bad)})`);
  }

  const markets = intern(strings.market);
  const surfaces = intern(strings.surface);
  const licensors = intern(strings.licensor_id);
  const runs = marketRuns(markets.ids, markets.values, strings);
  const groups = buildGroups(input, spec, markets, surfaces);

  // Priors per (market, surface): skips toward the group's skip rates (fallback: organic baseline),
  // saves toward the group's save rates (fallback: the group's pooled save rate).
  const pooledSaves = new Float64Array(groups.count);
  const pooledImpr = new Float64Array(groups.count);
  for (let r = 0; r < n; r++) {
    pooledSaves[groups.group[r]] += num.saves[r];
    pooledImpr[groups.group[r]] += num.impressions[r];
  }
  const saveFallback = pooledSaves.map((s, g) => (pooledImpr[g] > 0 ? s / pooledImpr[g] : 0));
  const skipPrior = fitBetaPriors(num.skips, num.impressions, groups.group, groups.count, groups.baseline, spec.prior);
  const savePrior = fitBetaPriors(num.saves, num.impressions, groups.group, groups.count, saveFallback, spec.prior);

  let draws: Float64Array | undefined;
  if (spec.exploration.method === 'thompson') {
    const h = rowKeyHashes([strings.track_id, strings.market, strings.surface, strings.campaign_id], ctx.seed);
    draws = new Float64Array(n);
    for (let r = 0; r < n; r++) draws[r] = normalFromHash(h[r]);
  }

  const k = kernelConstants(spec);
  const out = allocateKernelOutput(n);
  scoreKernelSimd(
    k,
    {
      group: groups.group,
      ...num,
      groupCapacity: groups.capacity,
      groupBaseline: groups.baseline,
      skipAlpha: skipPrior.alpha,
      skipBeta: skipPrior.beta,
      saveAlpha: savePrior.alpha,
      saveBeta: savePrior.beta,
      draws,
    },
    out,
  );

  const share = new Float64Array(n);
  const netScore = new Float32Array(n);
  const totals = marketCapacity(input, spec);
  const allocation = allocateMarkets(spec, ctx, runs, markets.values, totals, groups, licensors, num.licensor_max_share, out, share, netScore);

  const boost = new Float32Array(n);
  for (let r = 0; r < n; r++) boost[r] = 1 + share[r] * k.boostRoom;

  const perRow = (a: Float64Array) => {
    const o = new Float64Array(n);
    for (let r = 0; r < n; r++) o[r] = a[groups.group[r]];
    return o;
  };
  const diag: Record<(typeof DIAGNOSTIC_COLUMNS)[number], Float64Array> = {
    impressions: num.impressions,
    skips: num.skips,
    saves: num.saves,
    promoted_impressions: num.promoted_impressions,
    promoted_impressions_1d: num.promoted_impressions_1d,
    daily_impression_target: num.daily_impression_target,
    market_streams_28d: num.market_streams_28d,
    track_age_days: num.track_age_days,
    commission_rate: num.commission_rate,
    skip_prior_alpha: perRow(skipPrior.alpha),
    skip_prior_beta: perRow(skipPrior.beta),
    save_prior_alpha: perRow(savePrior.alpha),
    save_prior_beta: perRow(savePrior.beta),
    skip_rate: out.skipRate,
    save_rate: out.saveRate,
    skip_baseline: perRow(groups.baseline),
    skip_excess: out.skipExcess,
    exploration_bonus: out.bonus,
    pacing: out.pacing,
    forecast_impressions: out.forecast,
  };
  const f64 = (a: Float64Array) => makeVector({ type: new Float64(), data: a });
  const columns: Record<string, Vector> = {
    track_id: asUtf8(strings.track_id),
    market: asUtf8(strings.market),
    surface: asUtf8(strings.surface),
    campaign_id: asUtf8(strings.campaign_id),
    licensor_id: asUtf8(strings.licensor_id),
    score: makeVector({ type: new Float32(), data: netScore }),
    boost: makeVector({ type: new Float32(), data: boost }),
    share: f64(share),
    upper: f64(out.upper),
    value: f64(out.value),
    headroom: f64(out.headroom),
    skip_upper: f64(out.skipUpper),
    reason: makeVector({ type: new Uint32(), data: out.reason }),
  };
  for (const c of DIAGNOSTIC_COLUMNS) columns[c] = f64(diag[c]);
  return { table: new Table(columns), allocation };
}

/** The contract's string columns are utf8: utf8 input passes through untouched, anything else is converted. */
function asUtf8(v: Vector): Vector {
  if (DataType.isUtf8(v.type)) return v;
  const values: string[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) values[i] = String(v.get(i));
  return vectorFromArray(values, new Utf8());
}

function rowKey(strings: Record<string, Vector>, r: number): string {
  return `track_id=${strings.track_id.get(r)} market=${strings.market.get(r)} surface=${strings.surface.get(r)} campaign_id=${strings.campaign_id.get(r)}`;
}

/** Row ranges of each market; throws unless the rows of every market are contiguous. */
function marketRuns(ids: Int32Array, names: string[], strings: Record<string, Vector>): Int32Array {
  const starts = new Int32Array(names.length + 1);
  let runs = 0;
  for (let r = 0; r < ids.length; r++) {
    if (r > 0 && ids[r] === ids[r - 1]) continue;
    if (ids[r] !== runs) {
      throw new InputDataError(
        `candidates: rows of market ${names[ids[r]]} are not contiguous (row ${r}: ${rowKey(strings, r)}); ` +
          'candidates must be ordered by market, surface, track_id, campaign_id',
      );
    }
    starts[runs++] = r;
  }
  starts[runs] = ids.length;
  return starts;
}

function buildGroups(
  input: ScoreInput,
  spec: ScoringSpec,
  markets: { ids: Int32Array; values: string[] },
  surfaces: { ids: Int32Array; values: string[] },
): Groups {
  const st = input.surfaces;
  const sm = stringColumn(st, 'surfaces', 'market');
  const ss = stringColumn(st, 'surfaces', 'surface');
  const snum = Object.fromEntries(SURFACE_NUMERIC_COLUMNS.map((c) => [c, numericColumn(st, 'surfaces', c)])) as Record<
    (typeof SURFACE_NUMERIC_COLUMNS)[number],
    Float64Array
  >;
  const table = new Map<string, number>();
  for (let i = 0; i < st.numRows; i++) {
    const key = `${sm.get(i)}\u0000${ss.get(i)}`;
    if (table.has(key)) throw new InputDataError(`surfaces: duplicate row for market ${sm.get(i)} surface ${ss.get(i)}`);
    for (const c of SURFACE_NUMERIC_COLUMNS) {
      if (!Number.isFinite(snum[c][i]) || snum[c][i] < 0) {
        throw new InputDataError(`surfaces: column ${c} must be finite and >= 0 (market ${sm.get(i)} surface ${ss.get(i)})`);
      }
    }
    table.set(key, i);
  }
  const n = markets.ids.length;
  const S = surfaces.values.length;
  const group = new Int32Array(n);
  const index = new Map<number, number>();
  const market: string[] = [];
  const surface: string[] = [];
  const capacity: number[] = [];
  const baseline: number[] = [];
  for (let r = 0; r < n; r++) {
    const key = markets.ids[r] * S + surfaces.ids[r];
    let g = index.get(key);
    if (g === undefined) {
      g = market.length;
      index.set(key, g);
      const m = markets.values[markets.ids[r]];
      const s = surfaces.values[surfaces.ids[r]];
      market.push(m);
      surface.push(s);
      const row = table.get(`${m}\u0000${s}`);
      if (row === undefined) {
        capacity.push(0);
        baseline.push(spec.allocation.default_skip_baseline);
      } else {
        capacity.push(rhoOf(spec, m, s, snum.max_promoted_share[row]) * snum.daily_impressions[row]);
        const oi = snum.organic_impressions[row];
        baseline.push(oi > 0 ? Math.min(1, snum.organic_skips[row] / oi) : spec.allocation.default_skip_baseline);
      }
    }
    group[r] = g;
  }
  return {
    count: market.length,
    group,
    market,
    surface,
    capacity: Float64Array.from(capacity),
    baseline: Float64Array.from(baseline),
  };
}

/** Promoted capacity of each market over every surface of the surfaces table: sum_s rho_ms * F_ms. */
function marketCapacity(input: ScoreInput, spec: ScoringSpec): Map<string, number> {
  const st = input.surfaces;
  const sm = stringColumn(st, 'surfaces', 'market');
  const ss = stringColumn(st, 'surfaces', 'surface');
  const daily = numericColumn(st, 'surfaces', 'daily_impressions');
  const shareCol = numericColumn(st, 'surfaces', 'max_promoted_share');
  const totals = new Map<string, number>();
  for (let i = 0; i < st.numRows; i++) {
    const m = String(sm.get(i));
    totals.set(m, (totals.get(m) ?? 0) + rhoOf(spec, m, String(ss.get(i)), shareCol[i]) * daily[i]);
  }
  return totals;
}

/**
 * Solves each market's LP over its contiguous rows, writes share, score and the binding-constraint
 * reason bits, and returns the manifest's allocation section.
 */
function allocateMarkets(
  spec: ScoringSpec,
  ctx: ScoreContext,
  runs: Int32Array,
  marketNames: string[],
  totals: Map<string, number>,
  groups: Groups,
  licensors: { ids: Int32Array; values: string[] },
  maxShare: Float64Array,
  out: KernelOutput,
  share: Float64Array,
  netScore: Float32Array,
): AllocationSection {
  const tau = spec.allocation.skip_tolerance;
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
    const total = totals.get(market) ?? 0;
    const kappa = new Float64Array(licensorIds.length).fill(-1);
    for (let i = 0; i < rows; i++) {
      const l = licensor[i];
      if (kappa[l] < 0) {
        const ms = maxShare[from + i];
        kappa[l] = ms >= 0 ? Math.min(1, ms) : spec.allocation.kappa_default;
      }
    }
    const problem: MarketProblem = {
      value: out.value.subarray(from, to),
      headroom: out.headroom.subarray(from, to),
      upper: out.upper.subarray(from, to),
      skipExcess: out.skipExcess.subarray(from, to),
      surface,
      licensor,
      capacity: Float64Array.from(groupIds, (g) => groups.capacity[g]),
      licensorCap: kappa.map((k) => k * total),
    };
    const warm = ctx.warmStart?.markets.find((m) => m.market === market);
    const sol = solveMarket(problem, {
      tolerance: spec.allocation.tolerance,
      maxIterations: spec.allocation.max_iterations,
      warmStart: warm
        ? {
            capacity: Float64Array.from(groupIds, (g) => warm.surfaces.find((s) => s.surface === groups.surface[g])?.capacity_price ?? 0),
            skip: Float64Array.from(groupIds, (g) => warm.surfaces.find((s) => s.surface === groups.surface[g])?.skip_price ?? 0),
          }
        : undefined,
    });

    for (let i = 0; i < rows; i++) {
      const r = from + i;
      const x = sol.x[i];
      share[r] = x;
      const ub = out.upper[r];
      if (!(ub > 0)) continue;
      const g = surface[i];
      const l = licensor[i];
      netScore[r] = out.value[r] - sol.capacityPrice[g] - sol.licensorPrice[l] - sol.skipPrice[g] * out.skipExcess[r];
      let reason = out.reason[r];
      if (x >= ub * (1 - 1e-9)) reason |= Reason.FULL_BOOST;
      else {
        if (x > 0) reason |= Reason.PARTIAL_BOOST;
        else if (out.value[r] > 0) reason |= Reason.NOT_ALLOCATED;
        if (out.value[r] > 0) {
          if (sol.capacityPrice[g] > 0) reason |= Reason.SURFACE_CAP_BINDING;
          if (sol.licensorPrice[l] > 0) reason |= Reason.LICENSOR_CAP_BINDING;
          if (sol.skipPrice[g] > 0 && out.skipExcess[r] > 0) reason |= Reason.SKIP_BUDGET_BINDING;
        }
      }
      out.reason[r] = reason;
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
    for (let i = 0; i < rows; i++) scale += Math.abs(problem.value[i] * problem.headroom[i] * problem.upper[i]);
    for (const g of groupIds) localOfGroup[g] = -1;
    for (const l of licensorIds) localOfLicensor[l] = -1;
  }
  const certificate: Certificate = {
    primal,
    dual_bound: dual,
    gap: relativeGap(dual, primal, scale),
    max_violation: maxViolation,
  };
  return { tolerance: spec.allocation.tolerance, certificate, markets: result };
}
