import type { Table, Vector } from 'apache-arrow';
import { InputDataError } from '../core/errors.ts';
import {
  CANDIDATE_NUMERIC_COLUMNS,
  CANDIDATE_STRING_COLUMNS,
  SURFACE_NUMERIC_COLUMNS,
  SURFACE_STRING_COLUMNS,
  SURFACES,
} from '../scoring/features.ts';
import { showKey } from './examples.ts';
import type { Finding } from './finding.ts';
import { duplicateRows, matchTuples, nullRows } from './key-match.ts';
import { RowMask } from './row-mask.ts';
import { isStringType, isValidAt, textAt, utf8Column, validity, type Utf8Column } from './utf8-column.ts';

/**
 * Input checks on the extracted feature tables themselves (candidates.sql and surfaces.sql results):
 * one pass over typed arrays per column. They catch what the source checks cannot see portably —
 * NaN and ±Inf (BigQuery and DuckDB disagree on how NaN compares), rates outside [0, 1], keys that
 * name no known market or surface — and they protect scoring from NULLs whatever their origin.
 */

export interface FeatureTables {
  candidates: Table;
  surfaces: Table;
}

/** Feature columns must be there with the contract types: a broken query is an input error, not a crash. */
export function checkFeatureShape(t: FeatureTables): void {
  const need = (table: Table, name: string, strings: readonly string[], numbers: readonly string[]) => {
    for (const c of strings) {
      const f = table.schema.fields.find((x) => x.name === c);
      if (!f || !isStringType(f.type)) throw new InputDataError(`${name} feature table lacks string column ${c}`);
    }
    for (const c of numbers) {
      const v = table.getChild(c);
      if (!v || !ArrayBuffer.isView(v.data[0]?.values) || typeof (v.data[0].values as Float64Array)[0] === 'bigint') {
        throw new InputDataError(`${name} feature table lacks numeric (DOUBLE) column ${c}`);
      }
    }
  };
  need(t.candidates, 'candidates', CANDIDATE_STRING_COLUMNS, CANDIDATE_NUMERIC_COLUMNS);
  need(t.surfaces, 'surfaces', SURFACE_STRING_COLUMNS, SURFACE_NUMERIC_COLUMNS);
}

/** Rows whose value is NULL, NaN or ±Inf, or fails `bad` (a finite-value rule). */
function scanNumbers(v: Vector, bad?: (x: number) => boolean): { nonFinite: RowMask; rule: RowMask } {
  const nonFinite = new RowMask(v.length);
  const rule = new RowMask(v.length);
  let row = 0;
  for (const d of v.data) {
    const vals = d.values as Float64Array | Int32Array;
    const valid = validity(d);
    for (let i = 0; i < d.length; i++) {
      const x = Number(vals[i]);
      if ((valid && !valid[i]) || !Number.isFinite(x)) nonFinite.set(row + i);
      else if (bad && bad(x)) rule.set(row + i);
    }
    row += d.length;
  }
  return { nonFinite, rule };
}

function examplesOf(mask: RowMask, keyCols: Utf8Column[], limit: number): string[] {
  const out = new Set<string>();
  // scan a little past the limit so repeated keys still yield distinct examples
  for (const i of mask.first(limit * 4)) {
    out.add(showKey(keyCols.map((c) => textAt(c, i))));
    if (out.size >= limit) break;
  }
  return [...out];
}

const outside01 = (x: number) => x < 0 || x > 1;

export function checkFeatureRows(t: FeatureTables, limit: number, maxKeyBytes = 256): Finding[] {
  const out: Finding[] = [];
  const c = t.candidates;
  const s = t.surfaces;
  const cs = Object.fromEntries(CANDIDATE_STRING_COLUMNS.map((n) => [n, utf8Column(c.getChild(n)!, n)])) as Record<string, Utf8Column>;
  const ss = Object.fromEntries(SURFACE_STRING_COLUMNS.map((n) => [n, utf8Column(s.getChild(n)!, n)])) as Record<string, Utf8Column>;
  // in the feature query's sort order, so duplicate detection can take the sorted fast path
  const cKey = [cs.market, cs.surface, cs.track_id, cs.campaign_id];
  const sKey = [ss.market, ss.surface];

  // NULL keys in the candidate rows, whatever source table they came from
  for (const name of CANDIDATE_STRING_COLUMNS) {
    const m = nullRows([cs[name]]);
    out.push({ check: 'null_keys', table: 'candidates', column: name, offending: m.count(), examples: examplesOf(m, cKey, limit), candidates: m });
  }
  for (const name of SURFACE_STRING_COLUMNS) {
    const m = nullRows([ss[name]]);
    out.push({ check: 'null_keys', table: 'surfaces', column: name, offending: m.count(), examples: examplesOf(m, sKey, limit), surfaces: m, candidates: candidatesOfSurfaces(m, ss, cs) });
  }

  // ids that are not ids: megabytes of text in a key column
  for (const name of CANDIDATE_STRING_COLUMNS) {
    const m = longRows(cs[name], maxKeyBytes);
    out.push({ check: 'oversized_keys', table: 'candidates', column: name, offending: m.count(), examples: examplesOf(m, cKey, limit), candidates: m, detail: `longer than ${maxKeyBytes} bytes` });
  }
  for (const name of SURFACE_STRING_COLUMNS) {
    const m = longRows(ss[name], maxKeyBytes);
    out.push({ check: 'oversized_keys', table: 'surfaces', column: name, offending: m.count(), examples: examplesOf(m, sKey, limit), surfaces: m, candidates: candidatesOfSurfaces(m, ss, cs), detail: `longer than ${maxKeyBytes} bytes` });
  }

  // numbers: NaN/Inf everywhere, ranges where the contract bounds them
  const ranges: Record<string, { table: string; column: string; check: Finding['check']; bad: (x: number) => boolean }> = {
    commission_rate: { table: 'campaigns', column: 'commission_rate', check: 'rate_out_of_range', bad: outside01 },
    licensor_max_share: { table: 'licensors', column: 'max_share', check: 'rate_out_of_range', bad: (x) => x !== -1 && outside01(x) },
    daily_impression_target: { table: 'campaigns', column: 'daily_impression_target', check: 'negative_counts', bad: (x) => x < 0 && x !== -1 },
  };
  for (const name of CANDIDATE_NUMERIC_COLUMNS) {
    const r = ranges[name];
    const { nonFinite, rule } = scanNumbers(c.getChild(name)!, r?.bad);
    out.push({ check: 'non_finite', table: 'candidates', column: name, offending: nonFinite.count(), examples: examplesOf(nonFinite, cKey, limit), candidates: nonFinite });
    if (r) out.push({ check: r.check, table: r.table, column: r.column, offending: rule.count(), examples: examplesOf(rule, cKey, limit), candidates: rule });
  }
  const sRanges: Record<string, { table: string; column: string; check: Finding['check']; bad: (x: number) => boolean }> = {
    max_promoted_share: { table: 'surface_capacity', column: 'max_promoted_share', check: 'rate_out_of_range', bad: outside01 },
    daily_impressions: { table: 'surface_capacity', column: 'daily_impressions', check: 'negative_counts', bad: (x) => x < 0 },
    organic_impressions: { table: 'engagement_daily', column: 'impressions', check: 'negative_counts', bad: (x) => x < 0 },
    organic_skips: { table: 'engagement_daily', column: 'skips', check: 'negative_counts', bad: (x) => x < 0 },
    organic_saves: { table: 'engagement_daily', column: 'saves', check: 'negative_counts', bad: (x) => x < 0 },
  };
  for (const name of SURFACE_NUMERIC_COLUMNS) {
    const r = sRanges[name];
    const { nonFinite, rule } = scanNumbers(s.getChild(name)!, r?.bad);
    out.push({ check: 'non_finite', table: 'surfaces', column: name, offending: nonFinite.count(), examples: examplesOf(nonFinite, sKey, limit), surfaces: nonFinite, candidates: candidatesOfSurfaces(nonFinite, ss, cs) });
    if (r) {
      // organic counts are aggregates of engagement rows the source check already names; count them only here
      out.push({ check: r.check, table: r.table, column: r.column, offending: rule.count(), examples: examplesOf(rule, sKey, limit), surfaces: rule, candidates: candidatesOfSurfaces(rule, ss, cs), detail: r.table === 'engagement_daily' ? 'organic totals per market/surface' : undefined });
    }
  }

  // markets and surfaces nobody knows
  const badSurface = new RowMask(c.numRows);
  const badMarket = new RowMask(c.numRows);
  const surfaceTuples: string[][] = [];
  for (let i = 0; i < s.numRows; i++) {
    const m = textAt(ss.market, i);
    const su = textAt(ss.surface, i);
    if (m !== null && su !== null) surfaceTuples.push([m, su]);
  }
  const hasCapacity = matchTuples([cs.market, cs.surface], surfaceTuples);
  const knownSurface = matchTuples([cs.surface], SURFACES.map((x) => [x]));
  for (let i = 0; i < c.numRows; i++) {
    if (isValidAt(cs.surface, i) && !knownSurface.has(i)) badSurface.set(i);
    if (!isValidAt(cs.market, i)) continue;
    if (!isAlpha2(cs.market, i)) badMarket.set(i);
    else if (knownSurface.has(i) && !hasCapacity.has(i)) badMarket.set(i);
  }
  out.push({ check: 'unknown_surface', table: 'campaign_targets', column: 'surface', offending: badSurface.count(), examples: examplesOf(badSurface, cKey, limit), candidates: badSurface, detail: `known surfaces: ${SURFACES.join(', ')}` });
  out.push({ check: 'unknown_market', table: 'campaign_targets', column: 'market', offending: badMarket.count(), examples: examplesOf(badMarket, cKey, limit), candidates: badMarket, detail: 'market must be an ISO 3166-1 alpha-2 code with a surface_capacity row' });
  const sKnown = matchTuples([ss.surface], SURFACES.map((x) => [x]));
  const sBadSurface = new RowMask(s.numRows);
  for (let i = 0; i < s.numRows; i++) if (isValidAt(ss.surface, i) && !sKnown.has(i)) sBadSurface.set(i);
  out.push({ check: 'unknown_surface', table: 'surface_capacity', column: 'surface', offending: sBadSurface.count(), examples: examplesOf(sBadSurface, sKey, limit), surfaces: sBadSurface });

  // repeated keys in the extracted rows (a duplicated source row multiplies joins)
  const dupC = duplicateRows(cKey);
  out.push({ check: 'duplicate_keys', table: 'candidates', column: 'market,surface,track_id,campaign_id', offending: dupC.count(), examples: examplesOf(dupC, cKey, limit), candidates: dupC });
  const dupS = duplicateRows(sKey);
  out.push({ check: 'duplicate_keys', table: 'surfaces', column: 'market,surface', offending: dupS.count(), examples: examplesOf(dupS, sKey, limit), surfaces: dupS, candidates: candidatesOfSurfaces(dupS, ss, cs) });
  return out;
}

/** Candidate rows in the (market, surface) pairs of the given surfaces rows. */
function candidatesOfSurfaces(mask: RowMask, ss: Record<string, Utf8Column>, cs: Record<string, Utf8Column>): RowMask | undefined {
  if (mask.count() === 0) return undefined;
  const tuples: string[][] = [];
  for (const i of mask.first(mask.length)) {
    const m = textAt(ss.market, i);
    const su = textAt(ss.surface, i);
    if (m !== null && su !== null) tuples.push([m, su]);
  }
  return matchTuples([cs.market, cs.surface], tuples);
}

function longRows(col: Utf8Column, max: number): RowMask {
  const m = new RowMask(col.length);
  for (let i = 0; i < col.length; i++) if (col.ends[i] - col.starts[i] > max) m.set(i);
  return m;
}

/** Two ASCII capital letters, checked on the bytes. */
function isAlpha2(col: Utf8Column, i: number): boolean {
  const a = col.starts[i];
  if (col.ends[i] - a !== 2) return false;
  const x = col.values[a];
  const y = col.values[a + 1];
  return x >= 65 && x <= 90 && y >= 65 && y <= 90;
}
