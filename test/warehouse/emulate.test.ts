import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { expandTables, installCompatMacros, referencedParams, referencedTables, rewriteForDuckDB } from '../../src/warehouse/emulate/index.ts';
import { openDuckDB } from '../../src/warehouse/duckdb/engine.ts';
import { tokenize } from '../../src/warehouse/emulate/tokens.ts';
import { toDuckDBParams } from '../../src/warehouse/duckdb/params.ts';
import { FEATURE_QUERIES, featureParams, loadQuery } from '../../src/warehouse/queries.ts';

describe('rewriteForDuckDB', () => {
  it('expands placeholders, turns @params into $params and keeps literals and comments', () => {
    const sql = "SELECT a FROM {{campaigns}} AS c -- @not_a_param {{nope}}\nWHERE c.status = '@also_not {{x}}' AND c.d < @as_of /* @x */";
    expect(rewriteForDuckDB(sql)).toBe("SELECT a FROM \"campaigns\" AS c -- @not_a_param {{nope}}\nWHERE c.status = '@also_not {{x}}' AND c.d < $as_of /* @x */");
  });

  it('spells BigQuery functions and types the DuckDB way', () => {
    expect(rewriteForDuckDB('DATE_SUB(@as_of, INTERVAL @window_days DAY)')).toBe('bq_date_sub($as_of, $window_days)');
    expect(rewriteForDuckDB('date_add(d, interval (1 + 2) day)')).toBe('bq_date_add(d, (1 + 2))');
    expect(rewriteForDuckDB('DATE_DIFF(@as_of, DATE_SUB(x, INTERVAL 2 DAY), DAY)')).toBe('bq_date_diff($as_of, bq_date_sub(x, 2))');
    expect(rewriteForDuckDB('SAFE_DIVIDE(SUM(a), COUNTIF(b > 0))')).toBe('bq_safe_divide(SUM(a), count_if(b > 0))');
    expect(rewriteForDuckDB('CAST(x AS FLOAT64), CAST(y AS INT64), CAST(z AS STRING)')).toBe('CAST(x AS DOUBLE), CAST(y AS BIGINT), CAST(z AS STRING)');
    expect(rewriteForDuckDB('m IN UNNEST(@markets)')).toBe('m IN (SELECT UNNEST($markets))');
    expect(rewriteForDuckDB('SELECT `weird name` FROM t')).toBe('SELECT "weird name" FROM t');
  });

  it('refuses what the subset does not cover', () => {
    expect(() => rewriteForDuckDB('SELECT "text"')).toThrow(/single quotes/);
    expect(() => rewriteForDuckDB('DATE_SUB(d, INTERVAL 1 MONTH)')).toThrow(/INTERVAL n DAY/);
    expect(() => rewriteForDuckDB('DATE_DIFF(a, b, WEEK)')).toThrow(/DAY/);
    expect(() => rewriteForDuckDB("SELECT 'open")).toThrow(/unterminated/);
  });

  it('expandTables resolves placeholders for other engines and lists what a query reads', () => {
    const sql = 'SELECT * FROM {{ tracks }} JOIN {{licensors}} USING (licensor_id) WHERE x = @p';
    expect(expandTables(sql, (t) => `\`proj.ds.${t}\``)).toBe('SELECT * FROM `proj.ds.tracks` JOIN `proj.ds.licensors` USING (licensor_id) WHERE x = @p');
    expect(referencedTables(sql)).toEqual(['tracks', 'licensors']);
    expect(referencedParams(sql)).toEqual(['p']);
  });

  it('every sql/ query rewrites, and uses only the parameters featureParams provides', () => {
    const params = featureParams('2026-01-15');
    for (const q of FEATURE_QUERIES) {
      const sql = loadQuery(q);
      const code = rewriteForDuckDB(tokenize(sql).filter((t) => t.kind !== 'comment').map((t) => t.text).join(''));
      expect(code).not.toMatch(/@|\{\{/);
      for (const p of referencedParams(sql)) expect(Object.keys(params)).toContain(p);
    }
  });
});

describe('compat macros give BigQuery answers on DuckDB', () => {
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  beforeAll(async () => {
    ({ instance, conn } = await openDuckDB(':memory:'));
    await installCompatMacros(conn);
  });
  afterAll(() => {
    conn.closeSync();
    instance.closeSync();
  });

  const one = async (googleSql: string, params: Record<string, { type: 'DATE'; value: string } | { type: 'INT64'; value: number }> = {}) => {
    const { values, types } = toDuckDBParams(referencedParams(googleSql), params, 't');
    const r = await conn.runAndReadAll(rewriteForDuckDB(googleSql), values, types);
    return r.getRowsJS()[0];
  };

  it('date arithmetic', async () => {
    const row = await one(
      'SELECT CAST(DATE_SUB(@d, INTERVAL @n DAY) AS STRING), CAST(DATE_ADD(@d, INTERVAL 1 DAY) AS STRING), DATE_DIFF(@d, DATE_SUB(@d, INTERVAL 40 DAY), DAY), DATE_DIFF(DATE_SUB(@d, INTERVAL 3 DAY), @d, DAY)',
      { d: { type: 'DATE', value: '2024-03-01' }, n: { type: 'INT64', value: 1 } },
    );
    expect(row).toEqual(['2024-02-29', '2024-03-02', 40n, -3n]);
  });

  it('SAFE_DIVIDE, COUNTIF, IF', async () => {
    const row = await one('SELECT SAFE_DIVIDE(1, 0), SAFE_DIVIDE(3, 4), (SELECT COUNTIF(x > 1) FROM (SELECT UNNEST([1, 2, 3]) AS x)), IF(1 < 2, 10, 20)');
    expect(row).toEqual([null, 0.75, 2n, 10]);
  });
});
