import { OutputGateError } from '../core/errors.ts';
import type { ScoreOutput } from '../scoring/stage.ts';
import type { Manifest, QualityCheckResult } from '../snapshot/contract.ts';
import { snapshotStats } from '../snapshot/manifest.ts';
import type { QualityConfig } from './config.ts';
import { showKey } from './examples.ts';
import { duplicateRows, groupIds } from './key-match.ts';
import { numericColumn } from './numeric-column.ts';
import { scorePsi } from './psi.ts';
import { RowMask } from './row-mask.ts';
import { textAt, utf8Column, type Utf8Column } from './utf8-column.ts';

/**
 * Output gates (docs/architecture.md, "Stages": output gates), the last word before anything is written. Invariants always hold
 * whatever the config: finite numbers, unique keys, 0 <= share <= upper, every capacity, licensor
 * cap and skip budget recomputed from the rows themselves, and a certificate gap within tolerance.
 * Drift against the previous snapshot is gated by the job config. Any failure throws OutputGateError
 * (exit 4) naming every reason; nothing is published.
 */
export interface OutputGateArgs {
  output: ScoreOutput;
  previous: Manifest | null;
  config: QualityConfig;
  tolerance: number;
}

/** Relative agreement required between the allocation's reported `used` and the rows' sum. */
const USED_AGREEMENT = 1e-6;
const EXAMPLES = 5;

export function runOutputGates(args: OutputGateArgs): QualityCheckResult[] {
  const results = [...checkInvariants(args), ...checkDrift(args)];
  const failed = results.filter((r) => r.status === 'fail');
  if (failed.length) {
    throw new OutputGateError(
      `output failed a gate (nothing published): ${failed.map((r) => `${r.check}${r.column ? ` on ${r.column}` : ''}: ${r.detail}`).join('; ')}`,
    );
  }
  return results;
}

function pass(check: string, detail?: string, column?: string): QualityCheckResult {
  return { check, column, policy: 'fail', status: 'pass', offending: 0, detail };
}
function fail(check: string, offending: number, detail: string, examples?: string[], column?: string): QualityCheckResult {
  return { check, column, policy: 'fail', status: 'fail', offending, detail, examples };
}

function within(used: number, cap: number, slack: number): boolean {
  return used <= cap + slack * Math.max(Math.abs(cap), Math.abs(used), 1);
}

export function checkInvariants({ output, config, tolerance }: OutputGateArgs): QualityCheckResult[] {
  const t = output.table;
  const n = t.numRows;
  const slack = config.invariant_slack;
  const out: QualityCheckResult[] = [];
  const str = (name: string): Utf8Column => {
    const v = t.getChild(name);
    if (!v) throw new OutputGateError(`output failed a gate (nothing published): snapshot table has no column ${name}`);
    return utf8Column(v, name);
  };
  const track = str('track_id');
  const market = str('market');
  const surface = str('surface');
  const campaign = str('campaign_id');
  const licensor = str('licensor_id');
  // the scoring output keeps the candidates' order (market, surface, track_id, campaign_id)
  const keyCols = [market, surface, track, campaign];
  const examples = (mask: RowMask) => mask.first(EXAMPLES).map((i) => showKey(keyCols.map((c) => textAt(c, i))));
  const num = (name: string) => {
    if (!t.getChild(name)) throw new OutputGateError(`output failed a gate (nothing published): snapshot table has no column ${name}`);
    return numericColumn(t, name);
  };

  // finite numbers where the ranker and the allocation read them
  const share = num('share');
  const upper = num('upper');
  const headroom = num('headroom');
  const skipUpper = num('skip_upper');
  for (const name of ['score', 'boost', 'share', 'value', 'upper', 'headroom'] as const) {
    const col = num(name);
    const bad = new RowMask(n);
    for (let i = 0; i < n; i++) if (!Number.isFinite(col[i])) bad.set(i);
    const c = bad.count();
    out.push(c ? fail('non_finite', c, `${c} rows with NaN, ±Inf or NULL ${name}`, examples(bad), name) : pass('non_finite', undefined, name));
  }

  // one row per (track, market, surface, campaign)
  const dup = duplicateRows(keyCols);
  const d = dup.count();
  out.push(d ? fail('unique_keys', d, `${d} rows share a (market, surface, track_id, campaign_id) key`, examples(dup)) : pass('unique_keys'));

  // 0 <= share <= upper
  const bounds = new RowMask(n);
  for (let i = 0; i < n; i++) {
    const x = share[i];
    const u = upper[i];
    if (!(x >= 0) || !(u >= 0) || x > u + slack * Math.max(1, u)) bounds.set(i);
  }
  const b = bounds.count();
  out.push(b ? fail('share_bounds', b, `${b} rows break 0 <= share <= upper`, examples(bounds), 'share') : pass('share_bounds'));

  // capacities, caps and skip budgets, recomputed from the rows
  const ms = groupIds([market, surface]);
  const ml = groupIds([market, licensor]);
  const msUsed = new Float64Array(ms.reps.length);
  const msSkip = new Float64Array(ms.reps.length);
  const msSkipScale = new Float64Array(ms.reps.length);
  const mlUsed = new Float64Array(ml.reps.length);
  const msPromoted = new Uint8Array(ms.reps.length);
  const mlPromoted = new Uint8Array(ml.reps.length);
  const alloc = new Map<string, { capacity: number; base: number; tau: number; used: number }>();
  for (const m of output.allocation.markets) {
    for (const s of m.surfaces) alloc.set(`${m.market}\u0000${s.surface}`, { capacity: s.capacity, base: s.skip_baseline, tau: s.skip_tolerance, used: s.used });
  }
  // the skip budget needs each row's (market, surface) baseline: one lookup per group, not per row
  const msExcess = new Float64Array(ms.reps.length);
  const msNames = ms.reps.map((r) => `${textAt(market, r)}\u0000${textAt(surface, r)}`);
  msNames.forEach((k, g) => {
    const a = alloc.get(k);
    msExcess[g] = a ? a.base + a.tau : NaN;
  });
  for (let i = 0; i < n; i++) {
    const x = share[i];
    if (!(x > 0)) continue;
    const used = headroom[i] * x;
    const g = ms.ids[i];
    const l = ml.ids[i];
    if (g >= 0) {
      msUsed[g] += used;
      const term = used * (skipUpper[i] - msExcess[g]);
      msSkip[g] += term;
      msSkipScale[g] += Math.abs(term);
      msPromoted[g] = 1;
    }
    if (l >= 0) {
      mlUsed[l] += used;
      mlPromoted[l] = 1;
    }
  }
  const capFails: string[] = [];
  const skipFails: string[] = [];
  const agreeFails: string[] = [];
  msNames.forEach((k, g) => {
    const label = k.replace('\u0000', '/');
    const a = alloc.get(k);
    if (!a) {
      if (msPromoted[g]) capFails.push(`${label}: rows promoted but no capacity in the allocation`);
      return;
    }
    if (!within(msUsed[g], a.capacity, slack)) capFails.push(`${label}: used ${msUsed[g]} > capacity ${a.capacity}`);
    if (!within(a.used, a.capacity, slack)) capFails.push(`${label}: allocation reports used ${a.used} > capacity ${a.capacity}`);
    if (Math.abs(a.used - msUsed[g]) > USED_AGREEMENT * Math.max(Math.abs(a.used), Math.abs(msUsed[g]), 1)) {
      agreeFails.push(`${label}: allocation reports used ${a.used}, rows sum to ${msUsed[g]}`);
    }
    if (!(msSkip[g] <= slack * Math.max(msSkipScale[g], 1))) skipFails.push(`${label}: promoted skip excess ${msSkip[g]} > 0`);
  });
  out.push(capFails.length ? fail('surface_capacity', capFails.length, capFails.slice(0, EXAMPLES).join(', '), undefined) : pass('surface_capacity', `${ms.reps.length} market/surface pairs`));
  out.push(skipFails.length ? fail('skip_budget', skipFails.length, skipFails.slice(0, EXAMPLES).join(', ')) : pass('skip_budget'));

  const caps = new Map<string, { cap: number; used: number }>();
  for (const m of output.allocation.markets) for (const c of m.licensor_caps) caps.set(`${m.market}\u0000${c.licensor_id}`, { cap: c.cap, used: c.used });
  const licFails: string[] = [];
  ml.reps.forEach((r, l) => {
    const k = `${textAt(market, r)}\u0000${textAt(licensor, r)}`;
    const label = k.replace('\u0000', '/');
    const c = caps.get(k);
    if (!c) {
      if (mlPromoted[l]) licFails.push(`${label}: rows promoted but no licensor cap in the allocation`);
      return;
    }
    if (!within(mlUsed[l], c.cap, slack)) licFails.push(`${label}: used ${mlUsed[l]} > cap ${c.cap}`);
    if (!within(c.used, c.cap, slack)) licFails.push(`${label}: allocation reports used ${c.used} > cap ${c.cap}`);
    if (Math.abs(c.used - mlUsed[l]) > USED_AGREEMENT * Math.max(Math.abs(c.used), Math.abs(mlUsed[l]), 1)) {
      agreeFails.push(`${label}: allocation reports licensor used ${c.used}, rows sum to ${mlUsed[l]}`);
    }
  });
  out.push(licFails.length ? fail('licensor_cap', licFails.length, licFails.slice(0, EXAMPLES).join(', ')) : pass('licensor_cap', `${ml.reps.length} market/licensor pairs`));
  out.push(agreeFails.length ? fail('allocation_consistency', agreeFails.length, agreeFails.slice(0, EXAMPLES).join(', ')) : pass('allocation_consistency'));

  // the solver's own certificates: the summed one (kept in the manifest), and every market's, which is
  // what a market's allocation is judged on (a sum can hide one market far from its optimum)
  const cert = output.allocation.certificate;
  const gapOk = Number.isFinite(cert.gap) && cert.gap <= tolerance;
  out.push({
    ...(gapOk ? pass('certificate_gap', `gap ${cert.gap} <= ${tolerance}`) : fail('certificate_gap', 1, `relative gap ${cert.gap} exceeds tolerance ${tolerance} (primal ${cert.primal}, dual bound ${cert.dual_bound})`)),
    measured: cert.gap,
    threshold: tolerance,
  });
  const over = output.allocation.markets.filter((m) => !marketGapOk(m.certificate, tolerance));
  out.push(
    over.length
      ? fail(
          'market_certificate_gap',
          over.length,
          `${over.length} markets over tolerance ${tolerance}: ${over
            .map((m) => `${m.market} gap ${m.certificate.gap.toExponential(2)} (primal ${m.certificate.primal}, dual bound ${m.certificate.dual_bound})`)
            .join(', ')}`,
          over.map((m) => m.market),
        )
      : pass('market_certificate_gap', `${output.allocation.markets.length} markets within ${tolerance}`),
  );
  return out;
}

/**
 * Below this dual bound (in objective units: value per impression x impressions per day, about one
 * save a day at the default weights) a market is judged on its absolute gap: tolerance x GAP_FLOOR.
 * A market whose whole objective is a fraction of a save a day cannot hold a relative gap of 1e-4
 * honestly (its gap is dominated by rounding), and nothing of value is at stake in it.
 */
export const GAP_FLOOR = 1;

/** A market's certificate passes when dual - primal <= tolerance * max(|dual bound|, GAP_FLOOR). */
export function marketGapOk(c: { primal: number; dual_bound: number; gap: number }, tolerance: number): boolean {
  if (!Number.isFinite(c.gap) || !Number.isFinite(c.primal) || !Number.isFinite(c.dual_bound)) return false;
  if (c.gap <= tolerance) return true;
  return c.dual_bound - c.primal <= tolerance * Math.max(Math.abs(c.dual_bound), GAP_FLOOR);
}

export function checkDrift({ output, previous, config }: OutputGateArgs): QualityCheckResult[] {
  const cfg = config.output;
  if (!previous) return [pass('drift', 'no previous snapshot')];
  const prev = previous.stats;
  if (prev.rows < cfg.min_rows) return [pass('drift', `previous snapshot has ${prev.rows} rows < min_rows ${cfg.min_rows}`)];
  const cur = snapshotStats(output.table);
  const out: QualityCheckResult[] = [];
  out.push(rowCountDrift(previous, cur.rows, config));
  const now = new Map(cur.by_market_surface.map((g) => [`${g.market}/${g.surface}`, g.rows]));
  const moved: string[] = [];
  let worst = 0;
  for (const g of prev.by_market_surface) {
    if (g.rows < cfg.min_surface_rows) continue;
    const k = `${g.market}/${g.surface}`;
    const r = now.get(k) ?? 0;
    const change = Math.abs(r - g.rows) / g.rows;
    worst = Math.max(worst, change);
    if (change > cfg.max_surface_change) moved.push(`${k} ${g.rows} -> ${r}`);
  }
  const surfaceMeasure = { measured: worst, threshold: cfg.max_surface_change, setting: 'quality.output.max_surface_change' };
  out.push({
    ...(moved.length
      ? fail('surface_count_drift', moved.length, `${moved.length} market/surface pairs changed row count by more than ${(cfg.max_surface_change * 100).toFixed(1)}%: ${moved.slice(0, EXAMPLES).join(', ')}`)
      : pass('surface_count_drift')),
    ...surfaceMeasure,
  });
  const psi = scorePsi(prev.score_quantiles, numericColumn(output.table, 'score'));
  if (psi === null) out.push(pass('score_psi', 'no comparable score quantiles'));
  else
    out.push({
      ...(psi.psi > cfg.max_score_psi
        ? fail('score_psi', 1, `score distribution PSI ${psi.psi.toFixed(4)} > ${cfg.max_score_psi} against version ${previous.version}`)
        : pass('score_psi', `PSI ${psi.psi.toFixed(4)}`)),
      measured: psi.psi,
      threshold: cfg.max_score_psi,
      setting: 'quality.output.max_score_psi',
    });
  return out;
}

/**
 * The row-count drift gate on its own: the output gate runs it on the scored rows, `plan` on the
 * count query's rows, so both say the same thing about the same numbers.
 */
export function rowCountDrift(previous: Manifest, rows: number, config: QualityConfig): QualityCheckResult {
  const cfg = config.output;
  const prev = previous.stats.rows;
  const measure = { setting: 'quality.output.max_row_change', threshold: cfg.max_row_change };
  if (prev < cfg.min_rows) return { ...pass('row_count_drift', `previous snapshot has ${prev} rows < min_rows ${cfg.min_rows}`), ...measure };
  const rowChange = Math.abs(rows - prev) / prev;
  return {
    ...(rowChange > cfg.max_row_change
      ? fail('row_count_drift', 1, `rows ${prev} -> ${rows} (change ${(rowChange * 100).toFixed(1)}% > ${(cfg.max_row_change * 100).toFixed(1)}%) against version ${previous.version}`)
      : pass('row_count_drift', `rows ${prev} -> ${rows}`)),
    measured: rowChange,
    ...measure,
  };
}
