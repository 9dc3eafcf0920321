/**
 * The scoring stage (see stage.ts): features in, snapshot columns and the manifest's allocation
 * section out. Pure: no clock, no file, no vendor; the same input, spec and seed give identical
 * bytes.
 */
import { DataType, Float32, Float64, makeVector, Table, Uint32, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { InputDataError } from '../core/errors.ts';
import { allocateMarkets } from './allocate/markets.ts';
import { CANDIDATE_NUMERIC_COLUMNS, CANDIDATE_STRING_COLUMNS, type CandidateNumericColumn } from './features.ts';
import { promotedContext } from './context.ts';
import { applyExplorationBudget } from './exploration.ts';
import { buildGroups, marketCapacity } from './groups.ts';
import { rankerScores } from './ranker-score.ts';
import { firstNonFinite, numericColumn, stringColumn } from './kernels/columns.ts';
import { allocateKernelOutput, kernelConstants } from './kernels/fused.ts';
import { scoreKernelSimd } from './kernels/simd/fused-simd.ts';
import { intern, normalFromHash, rowKeyHashes } from './kernels/keys.ts';
import { applyHoldout } from './holdout.ts';
import { pacingBounds } from './pacing.ts';
import type { ScoringSpec } from './spec.ts';
import type { ScoreContext, ScoreInput, ScoreOutput } from './stage.ts';

/** Diagnostic columns after the contract columns, all float64, in this order. */
export const DIAGNOSTIC_COLUMNS = [
  'impressions',
  'skips',
  'saves',
  'promoted_impressions',
  'daily_impression_target',
  'campaign_expected',
  'campaign_delivered',
  'market_streams_28d',
  'track_age_days',
  'commission_rate',
  'skip_prior_alpha',
  'skip_prior_beta',
  'save_prior_alpha',
  'save_prior_beta',
  'organic_skip_rate',
  'organic_save_rate',
  'skip_rate',
  'save_rate',
  'skip_baseline',
  'save_baseline',
  'skip_excess',
  'exploration_bonus',
  'pacing',
  'forecast_impressions',
  'pacing_need',
  'pacing_cap',
  'pacing_floor',
] as const;

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
  const groups = buildGroups(input.surfaces, spec, markets, surfaces);

  // Promoted-context rates (context.ts): promoted counts, each row's prior centred on its track's
  // organic rate plus its group's uplift. Organic fallbacks: the surface's organic skip rate, and
  // its organic save rate (the candidates' pooled one when the surface has no organic traffic).
  const pooledSaves = new Float64Array(groups.count);
  const pooledImpr = new Float64Array(groups.count);
  for (let r = 0; r < n; r++) {
    pooledSaves[groups.group[r]] += num.saves[r];
    pooledImpr[groups.group[r]] += num.impressions[r];
  }
  const saveFallback = pooledSaves.map((s, g) => (groups.saveBaseline[g] > 0 ? groups.saveBaseline[g] : pooledImpr[g] > 0 ? s / pooledImpr[g] : 0));
  const context = promotedContext(
    { ...num, group: groups.group, groups: groups.count, skipFallback: groups.baseline, saveFallback },
    spec.prior,
  );

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
      impressions: context.trials,
      skips: context.skip.hits,
      saves: context.save.hits,
      groupCapacity: groups.capacity,
      groupBaseline: groups.baseline,
      groupSaveBaseline: groups.saveBaseline,
      skipAlpha: context.skip.alpha,
      skipBeta: context.skip.beta,
      saveAlpha: context.save.alpha,
      saveBeta: context.save.beta,
      draws,
    },
    out,
  );
  // the kernel's bonuses are candidates; the budget decides which rows get theirs
  const explored = applyExplorationBudget({
    candidate: out.bonus,
    value: out.value,
    reason: out.reason,
    headroom: out.headroom,
    group: groups.group,
    groupCapacity: groups.capacity,
    capacityShare: spec.exploration.capacity_share,
  });

  // campaign pacing: per-campaign bounds of the LP, split over the campaign's rows by headroom
  const paced = pacingBounds(
    {
      ...num,
      campaign: intern(strings.campaign_id).ids,
      market: markets.ids,
      upper: out.upper,
      headroom: out.headroom,
      skipExcess: out.skipExcess,
      reason: explored.reason,
    },
    {
      forecastDays: spec.engagement.forecast_days,
      maxBoost: spec.allocation.max_boost,
      catchUpDays: spec.pacing.catch_up_days,
      maxCatchUp: spec.pacing.max_catch_up,
      upperSlack: spec.pacing.upper_slack,
      shortfallPenalty: spec.pacing.shortfall_penalty,
    },
  );

  const allocated = allocateMarkets({
    allocation: spec.allocation,
    warmStart: ctx.warmStart,
    marketNames: markets.values,
    runs,
    marketCapacity: marketCapacity(input.surfaces, spec),
    groups,
    licensors,
    licensorMaxShare: num.licensor_max_share,
    value: explored.value,
    headroom: out.headroom,
    upper: out.upper,
    skipExcess: out.skipExcess,
    reason: paced.reason,
    pacing: paced,
  });
  const { share, allocation } = allocated;
  const netScore = rankerScores(allocated.netValue, share, out.upper);

  const boost = new Float32Array(n);
  for (let r = 0; r < n; r++) boost[r] = 1 + share[r] * k.boostRoom;
  const holdout = applyHoldout(spec.holdout.share, spec.allocation.max_boost, ctx.asOf,
    [strings.track_id, strings.market, strings.surface, strings.campaign_id], { upper: out.upper, skipExcess: out.skipExcess, share, boost, reason: allocated.reason });
  allocation.holdout = holdout.design;

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
    daily_impression_target: num.daily_impression_target,
    campaign_expected: num.campaign_expected,
    campaign_delivered: num.campaign_delivered,
    market_streams_28d: num.market_streams_28d,
    track_age_days: num.track_age_days,
    commission_rate: num.commission_rate,
    skip_prior_alpha: context.skip.alpha,
    skip_prior_beta: context.skip.beta,
    save_prior_alpha: context.save.alpha,
    save_prior_beta: context.save.beta,
    organic_skip_rate: context.skip.organic,
    organic_save_rate: context.save.organic,
    skip_rate: out.skipRate,
    save_rate: out.saveRate,
    skip_baseline: perRow(groups.baseline),
    save_baseline: perRow(groups.saveBaseline),
    skip_excess: out.skipExcess,
    exploration_bonus: explored.bonus,
    pacing: out.pacing,
    forecast_impressions: out.forecast,
    pacing_need: paced.need,
    pacing_cap: paced.cap,
    pacing_floor: paced.floor,
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
    value: f64(explored.value),
    headroom: f64(out.headroom),
    skip_upper: f64(out.skipUpper),
    reason: makeVector({ type: new Uint32(), data: allocated.reason }),
    propensity: makeVector({ type: new Float32(), data: holdout.propensity }),
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
