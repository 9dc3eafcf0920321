/**
 * "Why does this row have this boost?": one snapshot row (contract and diagnostic columns) and its
 * market's allocation section, turned into a breakdown as JSON and as plain words.
 */
import type { MarketAllocation } from '../snapshot/contract.ts';
import { describeReasons, INELIGIBLE_MASK, Reason } from './reasons.ts';
import type { ScoringSpec } from './spec.ts';

export interface Explanation {
  json: Record<string, unknown>;
  text: string;
}

const num = (row: Record<string, unknown>, k: string): number => {
  const v = row[k];
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Number.NaN;
};
const fmt = (v: number, digits = 4): string => (Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : 'n/a');
const pct = (v: number): string => (Number.isFinite(v) ? `${fmt(v * 100, 3)}%` : 'n/a');

export function explainRow(row: Record<string, unknown>, market: MarketAllocation, spec: ScoringSpec): Explanation {
  const surfaceName = String(row.surface);
  const licensorId = String(row.licensor_id);
  const surface = market.surfaces.find((s) => s.surface === surfaceName);
  const cap = market.licensor_caps.find((c) => c.licensor_id === licensorId);
  const reason = num(row, 'reason') >>> 0;
  const reasons = describeReasons(reason);
  const impressions = num(row, 'impressions');
  const skips = num(row, 'skips');
  const saves = num(row, 'saves');
  const sa = num(row, 'skip_prior_alpha');
  const sb = num(row, 'skip_prior_beta');
  const va = num(row, 'save_prior_alpha');
  const vb = num(row, 'save_prior_beta');
  const skipExcess = num(row, 'skip_excess');
  const share = num(row, 'share');
  const upper = num(row, 'upper');
  const capacityPrice = surface?.capacity_price ?? 0;
  const skipPrice = surface?.skip_price ?? 0;
  const licensorPrice = cap?.price ?? 0;
  const eligible = (reason & INELIGIBLE_MASK) === 0 && upper > 0;
  const constraints = [
    surface && {
      constraint: 'surface capacity',
      limit: surface.capacity,
      used: surface.used,
      price: capacityPrice,
      binding: capacityPrice > 0,
    },
    cap && { constraint: 'licensor share cap', limit: cap.cap, used: cap.used, price: licensorPrice, binding: licensorPrice > 0 },
    surface && {
      constraint: 'skip budget',
      limit: surface.skip_baseline + surface.skip_tolerance,
      row_skip_excess: skipExcess,
      price: skipPrice,
      binding: skipPrice > 0,
    },
  ].filter(Boolean) as Record<string, unknown>[];

  const json: Record<string, unknown> = {
    key: {
      track_id: row.track_id,
      market: row.market,
      surface: row.surface,
      campaign_id: row.campaign_id,
      licensor_id: row.licensor_id,
    },
    eligible,
    reasons,
    counts: {
      impressions,
      skips,
      saves,
      promoted_impressions: num(row, 'promoted_impressions'),
      market_streams_28d: num(row, 'market_streams_28d'),
      track_age_days: num(row, 'track_age_days'),
    },
    prior: {
      skip: { alpha: sa, beta: sb, mean: sa / (sa + sb) },
      save: { alpha: va, beta: vb, mean: va / (va + vb) },
    },
    rates: {
      skip_raw: impressions > 0 ? skips / impressions : null,
      skip_shrunk: num(row, 'skip_rate'),
      skip_pessimistic: num(row, 'skip_upper'),
      skip_baseline: surface?.skip_baseline ?? num(row, 'skip_baseline'),
      save_raw: impressions > 0 ? saves / impressions : null,
      save_shrunk: num(row, 'save_rate'),
    },
    guardrail: {
      hard_skip_limit: spec.guardrail.hard_skip_limit,
      confidence: spec.guardrail.confidence,
      tripped: (reason & Reason.GUARDRAIL) !== 0,
    },
    exploration: { method: spec.exploration.method, bonus: num(row, 'exploration_bonus') },
    pacing: {
      daily_target: num(row, 'daily_impression_target'),
      expected_so_far: num(row, 'campaign_expected'),
      delivered_so_far: num(row, 'campaign_delivered'),
      factor: num(row, 'pacing'),
      need_today: num(row, 'pacing_need'),
      cap_share: num(row, 'pacing_cap'),
      floor_share: num(row, 'pacing_floor'),
    },
    value: num(row, 'value'),
    forecast: { daily_impressions: num(row, 'forecast_impressions'), headroom: num(row, 'headroom') },
    prices: {
      capacity: capacityPrice,
      licensor: licensorPrice,
      skip: skipPrice,
      skip_charge: skipPrice * skipExcess + 0, // + 0: never -0 (a zero price times a negative excess)
      net_score: num(row, 'score'),
    },
    constraints,
    allocation: { share, upper, boost: num(row, 'boost'), max_boost: spec.allocation.max_boost },
  };

  const lines: string[] = [];
  lines.push(`${row.track_id} in ${row.market} on ${row.surface} (campaign ${row.campaign_id}, licensor ${row.licensor_id})`);
  lines.push(
    `  boost ${fmt(num(row, 'boost'))} (share ${fmt(share)} of the most a row may get, max boost ${spec.allocation.max_boost})`,
  );
  lines.push(eligible ? '  eligible for promotion.' : '  not eligible for promotion:');
  for (const r of reasons) lines.push(`  - ${r.description} [${r.name}]`);
  lines.push(
    `  engagement: ${impressions} impressions, ${skips} skips, ${saves} saves; ` +
      `${num(row, 'promoted_impressions')} promoted impressions so far.`,
  );
  lines.push(
    `  skip rate: raw ${impressions > 0 ? pct(skips / impressions) : 'n/a (no impressions)'} (all traffic), organic ` +
      `${pct(num(row, 'organic_skip_rate'))}; promoted listeners' rate, shrunk with the prior Beta(${fmt(sa)}, ${fmt(sb)}) ` +
      `(the track's organic rate plus the ${row.market}/${row.surface} uplift), ${pct(num(row, 'skip_rate'))}; ` +
      `pessimistic (${spec.guardrail.confidence * 100}% bound) ${pct(num(row, 'skip_upper'))}, ` +
      `hard limit ${pct(spec.guardrail.hard_skip_limit)}, organic baseline ${pct(surface?.skip_baseline ?? num(row, 'skip_baseline'))}.`,
  );
  lines.push(
    `  save rate: raw ${impressions > 0 ? pct(saves / impressions) : 'n/a'}, organic ${pct(num(row, 'organic_save_rate'))}, ` +
      `promoted (shrunk with Beta(${fmt(va)}, ${fmt(vb)})) ` +
      `${pct(num(row, 'save_rate'))}; exploration bonus ${fmt(num(row, 'exploration_bonus'))}; pacing factor ${fmt(num(row, 'pacing'))}.`,
  );
  if (num(row, 'daily_impression_target') > 0) {
    lines.push(
      `  pacing: target ${fmt(num(row, 'daily_impression_target'))} a day, ${fmt(num(row, 'campaign_delivered'))} delivered against ` +
        `${fmt(num(row, 'campaign_expected'))} expected so far; need today ${fmt(num(row, 'pacing_need'))} over all its rows, ` +
        `so this row may take at most ${fmt(num(row, 'pacing_cap'))} of its headroom` +
        (num(row, 'pacing_floor') > 0
          ? ` and the first ${fmt(num(row, 'pacing_floor'))} counts toward the campaign's lower bound.`
          : num(row, 'skip_excess') > 0
            ? '; no lower bound (the row is over the skip budget on its own: a floor would spend other rows\' slack).'
            : '; no lower bound (the campaign\'s rows cannot carry its daily target, or the row is not eligible).'),
    );
  }
  lines.push(
    `  value per promoted impression ${fmt(num(row, 'value'))}; forecast ${fmt(num(row, 'forecast_impressions'))} ` +
      `impressions a day, headroom ${fmt(num(row, 'headroom'))}.`,
  );
  lines.push(
    `  prices it faced: surface capacity ${fmt(capacityPrice)}, licensor cap ${fmt(licensorPrice)}, ` +
      `skip budget ${fmt(skipPrice)} x skip excess ${fmt(skipExcess)} = ${fmt(skipPrice * skipExcess)}; net score ${fmt(num(row, 'score'))}.`,
  );
  const binding = constraints.filter((c) => c.binding).map((c) => c.constraint);
  lines.push(binding.length ? `  binding constraints in its groups: ${binding.join(', ')}.` : '  no constraint of its groups was binding.');
  return { json, text: lines.join('\n') };
}
