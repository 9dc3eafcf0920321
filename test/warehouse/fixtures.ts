/** Tiny hand-built feature datasets, written as Parquet files or as a DuckDB file. */
import { join } from 'node:path';
import type { DuckDBValue } from '@duckdb/node-api';
import { openDuckDB, sqlString } from '../../src/warehouse/duckdb/engine.ts';
import { duckdbIdent } from '../../src/warehouse/emulate/index.ts';
import { CONTRACT_TABLES, type ContractType } from '../../src/warehouse/tables.ts';

export type Row = Record<string, string | number | boolean | null>;
export type Fixture = Partial<Record<string, Row[]>>;

const SQL_TYPE: Record<ContractType, string> = { STRING: 'VARCHAR', DATE: 'DATE', FLOAT64: 'DOUBLE', INT64: 'BIGINT', BOOL: 'BOOLEAN' };

export { tempDir } from '../support/temp.ts';

/**
 * Writes every contract table (empty when not given) with the contract's column types. Values are
 * bound parameters, so hostile strings in the data stay data. `skip` leaves tables out.
 */
export async function writeFixture(target: string, data: Fixture, format: 'parquet' | 'duckdb', skip: string[] = []): Promise<void> {
  const { instance, conn } = await openDuckDB(format === 'duckdb' ? target : ':memory:');
  try {
    for (const t of CONTRACT_TABLES) {
      if (skip.includes(t.name)) continue;
      await conn.run(`CREATE TABLE ${duckdbIdent(t.name)} (${t.columns.map((c) => `${duckdbIdent(c.name)} ${SQL_TYPE[c.type]}`).join(', ')})`);
      const placeholders = t.columns.map((c, i) => `CAST($${i + 1} AS ${SQL_TYPE[c.type]})`).join(', ');
      for (const row of data[t.name] ?? []) {
        const values = t.columns.map((c) => (row[c.name] === undefined ? null : row[c.name])) as DuckDBValue[];
        await conn.run(`INSERT INTO ${duckdbIdent(t.name)} VALUES (${placeholders})`, values);
      }
      if (format === 'parquet') await conn.run(`COPY ${duckdbIdent(t.name)} TO ${sqlString(join(target, `${t.name}.parquet`))} (FORMAT parquet)`);
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
