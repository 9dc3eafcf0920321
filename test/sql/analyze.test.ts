/**
 * Every sql/**\/*.sql analyzed by Google's own SQL frontend (ZetaSQL, through test/sql/zetasql.ts)
 * with BigQuery's language options, the seven contract tables of src/warehouse/tables.ts as the
 * catalog, the table placeholders expanded as the BigQuery adapter expands them, and the typed
 * parameters each query is bound with. DuckDB (the embedded engine and the BigQuery double) accepts
 * much that BigQuery refuses; this is what BigQuery's analyzer says.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateParams } from '../../src/quality/sql-checks.ts';
import { expandForBigQuery } from '../../src/warehouse/bigquery/expand.ts';
import type { BigQueryLocation } from '../../src/warehouse/bigquery/names.ts';
import type { QueryParamValue } from '../../src/warehouse/port.ts';
import { featureParams, SQL_DIR } from '../../src/warehouse/queries.ts';
import { CONTRACT_TABLES, type ContractType } from '../../src/warehouse/tables.ts';
import { AnalysisError, startZetaSql, type TypeProto, type ZetaSql } from './zetasql.ts';

const LOC: BigQueryLocation = { projectId: 'promo-analyzer', datasetId: 'features' };
const AS_OF = '2026-11-20';

const TYPE_KIND: Record<ContractType, string> = { STRING: 'TYPE_STRING', DATE: 'TYPE_DATE', FLOAT64: 'TYPE_DOUBLE', INT64: 'TYPE_INT64', BOOL: 'TYPE_BOOL' };

function paramType(p: QueryParamValue): TypeProto {
  switch (p.type) {
    case 'ARRAY<STRING>':
      return { typeKind: 'TYPE_ARRAY', arrayType: { elementType: { typeKind: 'TYPE_STRING' } } };
    case 'FLOAT64':
      return { typeKind: 'TYPE_DOUBLE' };
    default:
      return { typeKind: `TYPE_${p.type}` };
  }
}

/** The parameters a sql/ file is run with (the run's, the sharded run's, the input checks'), bound as the callers bind them: only those the text names. */
function boundParams(file: string, sql: string): Record<string, TypeProto> {
  const offered: Record<string, QueryParamValue> = file.startsWith('checks/')
    ? dateParams({ asOf: AS_OF, today: AS_OF, lookbackDays: 90, freshnessLagDays: 2 })
    : file === 'market_counts.sql'
      ? {}
      : featureParams(AS_OF, { windowDays: 28, markets: ['SE', 'DE'] });
  const out: Record<string, TypeProto> = {};
  for (const [k, v] of Object.entries(offered)) if (new RegExp(`@${k}\\b`).test(sql)) out[k] = paramType(v);
  return out;
}

function sqlFiles(dir = '', out: string[] = []): string[] {
  for (const f of readdirSync(join(SQL_DIR, dir)).sort()) {
    const rel = dir ? `${dir}/${f}` : f;
    if (statSync(join(SQL_DIR, rel)).isDirectory()) sqlFiles(rel, out);
    else if (f.endsWith('.sql')) out.push(rel);
  }
  return out;
}

/** The statements a file becomes: checks/schema.sql runs once per contract table, as the schema gate runs it. */
function statementsOf(file: string): Array<{ label: string; sql: string }> {
  const text = readFileSync(join(SQL_DIR, file), 'utf8');
  const texts = text.includes('{{table}}') ? CONTRACT_TABLES.map((t) => ({ label: `${file} (${t.name})`, sql: text.replaceAll('{{table}}', `{{${t.name}}}`) })) : [{ label: file, sql: text }];
  return texts.map(({ label, sql }) => ({ label, sql: expandForBigQuery(sql, LOC) }));
}

let z: ZetaSql;
let catalogId: string;
beforeAll(async () => {
  z = await startZetaSql();
  catalogId = await z.register({
    name: 'contract',
    table: CONTRACT_TABLES.map((t) => ({
      // the adapter writes `PROJECT.DATASET.table` in backquotes: one identifier to ZetaSQL
      name: `${LOC.projectId}.${LOC.datasetId}.${t.name}`,
      column: t.columns.map((c) => ({ name: c.name, type: { typeKind: TYPE_KIND[c.type] } })),
    })),
  });
}, 60_000);
afterAll(async () => {
  await z?.stop();
});

const analyze = (sql: string, params: Record<string, TypeProto>) => z.analyze(sql, catalogId, params);

/** 1-based line and column of the first `needle` in `text`, as ZetaSQL reports positions. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`"${needle}" is not in the text`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

async function failure(sql: string, params: Record<string, TypeProto>): Promise<AnalysisError> {
  const err = await analyze(sql, params).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the analyzer accepted it').toBeInstanceOf(AnalysisError);
  return err as AnalysisError;
}

describe('ZetaSQL (BigQuery language options) accepts every sql/ file', () => {
  const files = sqlFiles();
  it('finds the feature queries and the input checks', () => {
    expect(files).toEqual(expect.arrayContaining(['candidates.sql', 'surfaces.sql', 'market_counts.sql', 'checks/engagement_rows.sql', 'checks/schema.sql']));
  });
  for (const file of files) {
    it(file, async () => {
      for (const { label, sql } of statementsOf(file)) {
        await analyze(sql, boundParams(file, sql)).catch((err: unknown) => {
          throw new Error(`${label}: ${(err as Error).message}`);
        });
      }
    });
  }
});

describe('ZetaSQL refuses what BigQuery would, naming the line and column', () => {
  const file = 'surfaces.sql';
  const original = statementsOf(file)[0].sql;

  it('a syntax error', async () => {
    const sql = original.replace('GROUP BY e.market', 'GROUP e.market');
    const err = await failure(sql, boundParams(file, sql));
    expect({ line: err.line, column: err.column }).toEqual(positionOf(sql, 'e.market, e.surface\n)'));
    expect(err.message).toMatch(/Syntax error/);
  });

  it('a DuckDB-only function', async () => {
    const sql = original.replace('ARRAY_LENGTH(@markets)', 'len(@markets)');
    const err = await failure(sql, boundParams(file, sql));
    expect(err.message).toMatch(/Function not found: len/);
    expect({ line: err.line, column: err.column }).toEqual(positionOf(sql, 'len(@markets)'));
  });

  it('a misspelled column', async () => {
    const sql = original.replace('CAST(s.daily_impressions', 'CAST(s.daily_impresions');
    const err = await failure(sql, boundParams(file, sql));
    expect(err.message).toMatch(/daily_impresions/);
    expect({ line: err.line, column: err.column }).toEqual(positionOf(sql, 'daily_impresions'));
  });

  it('a parameter of another type than the one it is bound with', async () => {
    const params = { ...boundParams(file, original), markets: { typeKind: 'TYPE_STRING' } };
    const err = await failure(original, params);
    expect({ line: err.line, column: err.column }).toEqual(positionOf(original, 'ARRAY_LENGTH(@markets)'));
  });
});
