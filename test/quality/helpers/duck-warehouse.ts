import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Binary, Bool, DateDay, Float64, Int64, Table, Utf8, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import type { QueryRequest, QueryResult, Warehouse } from '../../../src/warehouse/port.ts';

/**
 * A small in-memory Warehouse for unit tests of the gates: GoogleSQL placeholders become table names,
 * @params become bound DuckDB parameters, results become Arrow by value (tests only, tiny tables).
 */
export interface TestWarehouse extends Warehouse {
  conn: DuckDBConnection;
  exec(sql: string): Promise<void>;
  queries: string[];
}

export async function openTestWarehouse(setupSql: string[] = []): Promise<TestWarehouse> {
  const dir = mkdtempSync(join(tmpdir(), 'promoscore-quality-'));
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    extension_directory: join(dir, 'ext'),
  });
  const conn = await instance.connect();
  for (const s of setupSql) await conn.run(s);
  const queries: string[] = [];
  const wh: TestWarehouse = {
    uri: 'duckdb::memory:',
    conn,
    queries,
    async exec(sql) {
      await conn.run(sql);
    },
    async query(req: QueryRequest): Promise<QueryResult> {
      queries.push(req.name);
      let sql = req.sql.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, t: string) => `"${t}"`);
      const values: Record<string, string | number> = {};
      sql = sql.replace(/@([A-Za-z_][A-Za-z0-9_]*)/g, (_m, p: string) => {
        const v = req.params[p];
        if (!v) throw new Error(`unbound parameter @${p}`);
        values[p] = v.value as string | number;
        return v.type === 'DATE' ? `CAST($${p} AS DATE)` : `$${p}`;
      });
      const reader = await conn.runAndReadAll(sql, values);
      const names = reader.columnNames();
      const types = reader.columnTypes();
      const cols = reader.getColumnsJS();
      const vectors: Record<string, Vector> = {};
      names.forEach((name, c) => {
        const t = arrowType(String(types[c]));
        const vals = (cols[c] ?? []).map((v) => convert(v, t));
        vectors[name] = vectorFromArray(vals as never, t as never);
      });
      return { table: new Table(vectors), jobId: `test-${queries.length}` };
    },
    async dryRun(req) {
      return { name: req.name, bytesProcessed: 0 };
    },
    async describeInputs() {
      return [];
    },
    async close() {
      conn.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return wh;
}

function arrowType(duck: string): DataType {
  if (duck === 'VARCHAR') return new Utf8();
  if (duck === 'DOUBLE' || duck === 'FLOAT' || duck.startsWith('DECIMAL')) return new Float64();
  if (/INT/.test(duck)) return new Int64();
  if (duck === 'DATE') return new DateDay();
  if (duck === 'BOOLEAN') return new Bool();
  if (duck === 'BLOB') return new Binary();
  return new Utf8();
}

function convert(v: unknown, t: DataType): unknown {
  if (v === null || v === undefined) return null;
  if (t instanceof Int64) return typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
  if (t instanceof Float64) return Number(v);
  if (t instanceof DateDay) return v instanceof Date ? v : new Date(String(v));
  if (t instanceof Utf8) return String(v);
  return v;
}
