import { readFileSync } from 'node:fs';
import { DataType, type Table } from 'apache-arrow';
import { InputDataError } from '../core/errors.ts';
import { addDays } from '../core/dates.ts';
import type { QueryParamValue, Warehouse } from '../warehouse/port.ts';
import type { InputCheck } from './config.ts';
import { showKey } from './examples.ts';
import type { Finding } from './finding.ts';
import { matchTuples } from './key-match.ts';
import { CONTRACT_TABLES, CONTRACT_TABLE_NAMES, type ContractType } from '../warehouse/tables.ts';
import { MAY_BE_EMPTY } from './source-tables.ts';
import { utf8Column } from './utf8-column.ts';

/**
 * The input checks that must look at the source tables themselves (sql/checks/*.sql, GoogleSQL with
 * {{table}} placeholders and @params, run through the Warehouse port like the feature queries).
 * Each keyed query returns one row per offending key with a count per rule; the rules map those keys
 * onto candidate rows so `drop` can remove them.
 */
const SQL_DIR = new URL('../../sql/checks/', import.meta.url);
const sqlCache = new Map<string, string>();

export function loadCheckSql(name: string): string {
  let sql = sqlCache.get(name);
  if (sql === undefined) {
    sql = readFileSync(new URL(`${name}.sql`, SQL_DIR), 'utf8');
    sqlCache.set(name, sql);
  }
  return sql;
}

export interface CheckContext {
  warehouse: Warehouse;
  /** YYYY-MM-DD */
  asOf: string;
  /** YYYY-MM-DD, the clock's date: events after it cannot have happened */
  today: string;
  lookbackDays: number;
  freshnessLagDays: number;
  examples: number;
  labels: Record<string, string>;
  candidates: Table;
  surfaces: Table;
}

async function runCheckQuery(ctx: CheckContext, name: string, sql: string, params: Record<string, QueryParamValue>): Promise<Table> {
  // bind only the parameters the text names: engines may reject unused ones
  const used: Record<string, QueryParamValue> = {};
  for (const [k, v] of Object.entries(params)) if (new RegExp(`@${k}\\b`).test(sql)) used[k] = v;
  const res = await ctx.warehouse.query({ name: `check_${name}`, sql, params: used, labels: { ...ctx.labels, check: name } });
  return res.table;
}

/** The DATE parameters every check query is offered (each binds the ones its text names). */
export function dateParams(ctx: Pick<CheckContext, 'asOf' | 'today' | 'lookbackDays' | 'freshnessLagDays'>): Record<string, QueryParamValue> {
  return {
    as_of: { type: 'DATE', value: ctx.asOf },
    window_start: { type: 'DATE', value: addDays(ctx.asOf, -ctx.lookbackDays) },
    fresh_from: { type: 'DATE', value: addDays(ctx.asOf, -ctx.freshnessLagDays) },
    today: { type: 'DATE', value: ctx.today },
  };
}

// ---------------------------------------------------------------- schema

export function logicalTypeOf(type: DataType): ContractType | null {
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return 'STRING';
  if (DataType.isDictionary(type)) return logicalTypeOf(type.dictionary);
  if (DataType.isDate(type) || DataType.isTimestamp(type)) return 'DATE';
  if (DataType.isInt(type)) return 'INT64';
  if (DataType.isFloat(type) || DataType.isDecimal(type)) return 'FLOAT64';
  if (DataType.isBool(type)) return 'BOOL';
  return null;
}

function typeFits(actual: ContractType | null, expected: ContractType): boolean {
  if (actual === expected) return true;
  // an integer column holds a FLOAT64 contract value exactly; the reverse would lose counts
  return expected === 'FLOAT64' && actual === 'INT64';
}

/**
 * Schema gate: every contract table exists with every contract column of the right type. Throws
 * InputDataError naming every problem; scoring cannot run on a table it cannot read.
 */
export async function checkSchema(ctx: Pick<CheckContext, 'warehouse' | 'labels'>): Promise<Finding[]> {
  const problems: string[] = [];
  const findings: Finding[] = [];
  const template = loadCheckSql('schema');
  for (const { name: table, columns } of CONTRACT_TABLES) {
    const sql = template.replaceAll('{{table}}', `{{${table}}}`);
    let result: Table;
    try {
      result = (await ctx.warehouse.query({ name: `check_schema_${table}`, sql, params: {}, labels: { ...ctx.labels, check: 'schema' } })).table;
    } catch (err) {
      const why = (err as Error)?.message ?? String(err);
      problems.push(`table ${table} cannot be read: ${why}`);
      findings.push({ check: 'schema', table, offending: 1, examples: [], detail: why });
      continue;
    }
    const fields = new Map(result.schema.fields.map((f) => [f.name.toLowerCase(), f]));
    let bad = 0;
    for (const { name: column, type: expected } of columns) {
      const f = fields.get(column);
      if (!f) {
        problems.push(`table ${table} has no column ${column} (${expected})`);
        findings.push({ check: 'schema', table, column, offending: 1, examples: [], detail: `missing column, expected ${expected}` });
        bad++;
        continue;
      }
      const actual = logicalTypeOf(f.type);
      if (!typeFits(actual, expected)) {
        problems.push(`column ${table}.${column} has type ${String(f.type)}, expected ${expected}`);
        findings.push({ check: 'schema', table, column, offending: 1, examples: [], detail: `type ${String(f.type)}, expected ${expected}` });
        bad++;
      }
    }
    if (bad === 0) findings.push({ check: 'schema', table, offending: 0, examples: [] });
  }
  if (problems.length) {
    throw new InputDataError(`input check "schema" failed (policy fail): ${problems.join('; ')}`);
  }
  return findings;
}

// ---------------------------------------------------------------- ids, before extraction

/**
 * Oversized or undecodable ids, found before the feature queries run: a megabyte "id" or bytes that
 * are not UTF-8 must stop the run with a message naming table and column (exit 3), not surface as
 * an engine failure or a pathological extraction. Always fail: nothing can be dropped before the
 * rows are extracted.
 */
export async function checkKeyLengths(ctx: Pick<CheckContext, 'warehouse' | 'labels'>, maxKeyBytes: number): Promise<Finding[]> {
  let t: Table;
  try {
    t = (await ctx.warehouse.query({ name: 'check_key_lengths', sql: loadCheckSql('key_lengths'), params: {}, labels: { ...ctx.labels, check: 'oversized_keys' } })).table;
  } catch (err) {
    const why = (err as Error)?.message ?? String(err);
    if (/encoding|utf-?8|unicode|invalid input/i.test(why)) {
      const table = CONTRACT_TABLE_NAMES.find((n) => why.includes(`${n}.parquet`) || why.includes(`"${n}"`)) ?? 'a source table';
      throw new InputDataError(`input data failed validation (nothing published): ${table} holds text that is not valid UTF-8: ${why}`, { cause: err });
    }
    throw err;
  }
  const tables = t.getChild('table_name')!;
  const columns = t.getChild('column_name')!;
  const lengths = t.getChild('max_length')!;
  const out: Finding[] = [];
  for (let i = 0; i < t.numRows; i++) {
    const n = Number(lengths.get(i) ?? 0);
    // characters are at least bytes / 4: a length above the byte limit is oversized in any encoding
    const over = n > maxKeyBytes;
    out.push({ check: 'oversized_keys', table: String(tables.get(i)), column: String(columns.get(i)), offending: over ? 1 : 0, examples: [], detail: over ? `an id of ${n} characters (limit ${maxKeyBytes} bytes)` : undefined });
  }
  return out;
}

// ---------------------------------------------------------------- table-level

export async function checkTableRows(ctx: CheckContext): Promise<Finding[]> {
  const t = await runCheckQuery(ctx, 'table_rows', loadCheckSql('table_rows'), {});
  const names = t.getChild('table_name')!;
  const counts = t.getChild('row_count')!;
  const rows = new Map<string, number>();
  for (let i = 0; i < t.numRows; i++) rows.set(String(names.get(i)), Number(counts.get(i)));
  return CONTRACT_TABLE_NAMES.filter((name) => !MAY_BE_EMPTY.has(name)).map((table) => {
    const n = rows.get(table) ?? 0;
    return { check: 'empty_table', table, offending: n === 0 ? 1 : 0, examples: [], detail: n === 0 ? 'table has no rows' : `${n} rows` };
  });
}

export async function checkEngagementDates(ctx: CheckContext): Promise<Finding[]> {
  const t = await runCheckQuery(ctx, 'engagement_dates', loadCheckSql('engagement_dates'), dateParams(ctx));
  const get = (c: string) => t.getChild(c)!.get(0);
  const fresh = Number(get('fresh_rows') ?? 0);
  const future = Number(get('future_rows') ?? 0);
  const nullDates = Number(get('null_dates') ?? 0);
  const latestBefore = (get('latest_before_as_of') as string | null) ?? null;
  const latest = (get('latest') as string | null) ?? null;
  const freshFrom = addDays(ctx.asOf, -ctx.freshnessLagDays);
  return [
    {
      check: 'freshness',
      table: 'engagement_daily',
      column: 'event_date',
      offending: fresh === 0 ? 1 : 0,
      examples: [],
      detail:
        fresh === 0
          ? `no events between ${freshFrom} and ${ctx.asOf} (exclusive); latest event before ${ctx.asOf} is ${latestBefore ?? 'none'}`
          : `${fresh} rows from ${freshFrom} on`,
    },
    {
      check: 'future_dates',
      table: 'engagement_daily',
      column: 'event_date',
      offending: future,
      examples: future ? [latest ?? ''] : [],
      detail: future ? `${future} rows dated after ${ctx.today}; latest ${latest}` : undefined,
    },
    {
      check: 'null_keys',
      table: 'engagement_daily',
      column: 'event_date',
      offending: nullDates,
      examples: [],
      detail: nullDates ? `${nullDates} rows without event_date (never counted in any window)` : undefined,
    },
  ];
}

// ---------------------------------------------------------------- keyed rules

interface Rule {
  /** count column of the query result */
  count: string;
  check: InputCheck;
  /** the source column(s) the rule is about, for messages */
  column: string;
  /** 'duplicates' counts rows of keys seen more than once: row_count > 1 */
  duplicates?: boolean;
}

interface KeyedQuery {
  sql: string;
  table: string;
  /** key columns of the result, in order */
  keys: string[];
  /** the candidate columns those keys match (same order) */
  candidateKeys: string[];
  /** the surfaces columns they match, when the table feeds surfaces.sql */
  surfaceKeys?: string[];
  rules: Rule[];
}

const KEYED: KeyedQuery[] = [
  {
    sql: 'campaigns',
    table: 'campaigns',
    keys: ['campaign_id'],
    candidateKeys: ['campaign_id'],
    rules: [
      { count: 'row_count', check: 'duplicate_keys', column: 'campaign_id', duplicates: true },
      { count: 'null_campaign_id', check: 'null_keys', column: 'campaign_id' },
      { count: 'null_track_id', check: 'null_keys', column: 'track_id' },
      { count: 'null_licensor_id', check: 'null_keys', column: 'licensor_id' },
      { count: 'negative_daily_impression_target', check: 'negative_counts', column: 'daily_impression_target' },
      { count: 'bad_date_range', check: 'invalid_date_range', column: 'start_date,end_date' },
      { count: 'bad_status', check: 'unknown_status', column: 'status' },
    ],
  },
  {
    sql: 'campaign_targets',
    table: 'campaign_targets',
    keys: ['campaign_id', 'market', 'surface'],
    candidateKeys: ['campaign_id', 'market', 'surface'],
    rules: [
      { count: 'row_count', check: 'duplicate_keys', column: 'campaign_id,market,surface', duplicates: true },
      { count: 'null_key', check: 'null_keys', column: 'campaign_id,market,surface' },
    ],
  },
  {
    sql: 'tracks',
    table: 'tracks',
    keys: ['track_id'],
    candidateKeys: ['track_id'],
    rules: [
      { count: 'row_count', check: 'duplicate_keys', column: 'track_id', duplicates: true },
      { count: 'null_track_id', check: 'null_keys', column: 'track_id' },
      { count: 'null_licensor_id', check: 'null_keys', column: 'licensor_id' },
    ],
  },
  {
    sql: 'licensors',
    table: 'licensors',
    keys: ['licensor_id'],
    candidateKeys: ['licensor_id'],
    rules: [
      { count: 'row_count', check: 'duplicate_keys', column: 'licensor_id', duplicates: true },
      { count: 'null_licensor_id', check: 'null_keys', column: 'licensor_id' },
      { count: 'bad_status', check: 'unknown_status', column: 'status' },
    ],
  },
  {
    sql: 'surface_capacity',
    table: 'surface_capacity',
    keys: ['market', 'surface'],
    candidateKeys: ['market', 'surface'],
    surfaceKeys: ['market', 'surface'],
    rules: [
      { count: 'row_count', check: 'duplicate_keys', column: 'market,surface', duplicates: true },
      { count: 'null_key', check: 'null_keys', column: 'market,surface' },
      { count: 'bad_daily_impressions', check: 'negative_counts', column: 'daily_impressions' },
    ],
  },
  {
    sql: 'engagement_rows',
    table: 'engagement_daily',
    keys: ['track_id', 'market'],
    candidateKeys: ['track_id', 'market'],
    rules: [
      { count: 'null_key', check: 'null_keys', column: 'track_id,market,surface,promoted' },
      { count: 'bad_impressions', check: 'negative_counts', column: 'impressions' },
      { count: 'bad_streams', check: 'negative_counts', column: 'streams' },
      { count: 'bad_skips', check: 'negative_counts', column: 'skips' },
      { count: 'bad_saves', check: 'negative_counts', column: 'saves' },
      { count: 'bad_completions', check: 'negative_counts', column: 'completions' },
      { count: 'skips_over_impressions', check: 'skips_exceed_impressions', column: 'skips' },
      { count: 'saves_over_streams', check: 'saves_exceed_streams', column: 'saves' },
      { count: 'completions_over_streams', check: 'completions_exceed_streams', column: 'completions' },
    ],
  },
];

export async function checkKeyedTables(ctx: CheckContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const q of KEYED) {
    const t = await runCheckQuery(ctx, q.sql, loadCheckSql(q.sql), dateParams(ctx));
    findings.push(...keyedFindings(ctx, q, t));
  }
  const restr = await runCheckQuery(ctx, 'track_restrictions', loadCheckSql('track_restrictions'), {});
  const n = Number(restr.getChild('null_key')!.get(0) ?? 0);
  findings.push({ check: 'null_keys', table: 'track_restrictions', column: 'track_id,market', offending: n, examples: [], detail: n ? `${n} rows never match a track` : undefined });
  return findings;
}

function keyedFindings(ctx: CheckContext, q: KeyedQuery, t: Table): Finding[] {
  const keyCols = q.keys.map((k) => {
    const v = t.getChild(k);
    if (!v) throw new InputDataError(`check query sql/checks/${q.sql}.sql returned no column ${k}`);
    return v;
  });
  const out: Finding[] = [];
  for (const rule of q.rules) {
    const counts = t.getChild(rule.count)!;
    const tuples: string[][] = [];
    const examples: string[] = [];
    let offending = 0;
    for (let i = 0; i < t.numRows; i++) {
      const c = Number(counts.get(i) ?? 0);
      const parts = keyCols.map((v) => v.get(i) as string | null);
      // a NULL key is not a repeated key: GROUP BY puts NULLs together, null_keys reports them
      const n = rule.duplicates ? (c > 1 && parts.every((p) => p !== null) ? c : 0) : c;
      if (n <= 0) continue;
      offending += n;
      if (examples.length < ctx.examples) examples.push(showKey(parts));
      if (parts.every((p) => p !== null)) tuples.push(parts as string[]);
    }
    const f: Finding = { check: rule.check, table: q.table, column: rule.column, offending, examples };
    if (offending > 0 && tuples.length > 0) {
      f.candidates = matchTuples(q.candidateKeys.map((c) => utf8Column(ctx.candidates.getChild(c)!, c)), tuples);
      if (q.surfaceKeys) f.surfaces = matchTuples(q.surfaceKeys.map((c) => utf8Column(ctx.surfaces.getChild(c)!, c)), tuples);
    }
    out.push(f);
  }
  return out;
}
