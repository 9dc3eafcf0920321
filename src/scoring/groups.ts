/**
 * The (market, surface) groups of the candidate rows, joined with the surfaces table: each group's
 * promoted capacity and organic skip baseline, and each market's promoted capacity over all its
 * surfaces (the base of the licensor caps).
 */
import type { Table } from 'apache-arrow';
import { InputDataError } from '../core/errors.ts';
import { SURFACE_NUMERIC_COLUMNS } from './features.ts';
import { numericColumn, stringColumn } from './kernels/columns.ts';
import { rhoOf, type ScoringSpec } from './spec.ts';

export interface Groups {
  count: number;
  /** per row */
  group: Int32Array;
  market: string[];
  surface: string[];
  capacity: Float64Array;
  /** organic skip rate of the surface */
  baseline: Float64Array;
  /** organic save rate of the surface (0 without organic traffic) */
  saveBaseline: Float64Array;
}

export interface Interned {
  ids: Int32Array;
  values: string[];
}

export function buildGroups(surfacesTable: Table, spec: ScoringSpec, markets: Interned, surfaces: Interned): Groups {
  const st = surfacesTable;
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
  const saveBaseline: number[] = [];
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
        saveBaseline.push(0);
      } else {
        capacity.push(rhoOf(spec, m, s, snum.max_promoted_share[row]) * snum.daily_impressions[row]);
        const oi = snum.organic_impressions[row];
        baseline.push(oi > 0 ? Math.min(1, snum.organic_skips[row] / oi) : spec.allocation.default_skip_baseline);
        saveBaseline.push(oi > 0 ? Math.min(1, snum.organic_saves[row] / oi) : 0);
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
    saveBaseline: Float64Array.from(saveBaseline),
  };
}

/** Promoted capacity of each market over every surface of the surfaces table: sum_s rho_ms * F_ms. */
export function marketCapacity(surfacesTable: Table, spec: ScoringSpec): Map<string, number> {
  const st = surfacesTable;
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
