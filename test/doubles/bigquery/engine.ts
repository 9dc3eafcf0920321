/**
 * The state behind the BigQuery double: datasets and tables (base tables live in DuckDB, one schema
 * per dataset; every table is also held as Arrow for reads), and query jobs executed on DuckDB.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Table } from 'apache-arrow';
import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  DuckDBInstance,
  LIST,
  TIMESTAMP,
  VARCHAR,
  dateValue,
  listValue,
  timestampValue,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { duckResultToArrow, logicalBytes, type BqField } from './arrow.ts';
import { installCompatMacros } from '../../../src/warehouse/emulate/index.ts';
import { duckTableName, prepareQuery, type TableRefName } from './sql.ts';

export interface StoredTable {
  ref: TableRefName;
  fields: BqField[];
  data: Table;
  numBytes: number;
  created: number;
  modified: number;
  etag: string;
}

export interface StoredDataset {
  projectId: string;
  datasetId: string;
  location: string;
  created: number;
}

/** A BigQuery error as the REST API reports it (`errors[0]` / `status.errorResult`). */
export class BqError extends Error {
  readonly httpStatus: number;
  readonly reason: string;

  constructor(
    httpStatus: number,
    reason: string,
    message: string,
  ) {
    super(message);
    this.httpStatus = httpStatus;
    this.reason = reason;
  }
  toJson() {
    const status = ({ 400: 'INVALID_ARGUMENT', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS', 503: 'UNAVAILABLE' } as Record<number, string>)[this.httpStatus] ?? 'UNKNOWN';
    return { error: { code: this.httpStatus, message: this.message, errors: [{ message: this.message, domain: 'global', reason: this.reason }], status } };
  }
}

export interface QueryParameter {
  name?: string;
  parameterType?: { type?: string; arrayType?: { type?: string } };
  parameterValue?: { value?: string; arrayValues?: { value?: string }[] };
}

const key = (p: string, d: string, t?: string) => (t === undefined ? `${p}.${d}` : `${p}.${d}.${t}`);

export class BigQueryEngine {
  readonly datasets = new Map<string, StoredDataset>();
  readonly tables = new Map<string, StoredTable>();
  private clock = Date.UTC(2026, 0, 1);

  private readonly instance: DuckDBInstance;
  readonly conn: DuckDBConnection;
  private readonly tmp: string;
  readonly location: string;

  private constructor(
    instance: DuckDBInstance,
    conn: DuckDBConnection,
    tmp: string,
    location: string,
  ) {
    this.instance = instance;
    this.conn = conn;
    this.tmp = tmp;
    this.location = location;
  }

  static async create(location = 'US'): Promise<BigQueryEngine> {
    const tmp = mkdtempSync(join(tmpdir(), 'bq-double-'));
    const instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      extension_directory: join(tmp, 'ext'),
      threads: '2',
    });
    const conn = await instance.connect();
    await installCompatMacros(conn);
    return new BigQueryEngine(instance, conn, tmp, location);
  }

  /** a deterministic, strictly increasing clock for creation/modification times */
  private tick(): number {
    this.clock += 1000;
    return this.clock;
  }

  createDataset(projectId: string, datasetId: string, location = this.location): StoredDataset {
    const k = key(projectId, datasetId);
    if (this.datasets.has(k)) throw new BqError(409, 'duplicate', `Already Exists: Dataset ${projectId}:${datasetId}`);
    const ds = { projectId, datasetId, location, created: this.tick() };
    this.datasets.set(k, ds);
    return ds;
  }

  getDataset(projectId: string, datasetId: string): StoredDataset {
    const ds = this.datasets.get(key(projectId, datasetId));
    if (!ds) throw new BqError(404, 'notFound', `Not found: Dataset ${projectId}:${datasetId}`);
    return ds;
  }

  getTable(ref: TableRefName): StoredTable {
    const t = this.tables.get(key(ref.projectId, ref.datasetId, ref.tableId));
    if (!t) {
      this.getDataset(ref.projectId, ref.datasetId);
      throw new BqError(404, 'notFound', `Not found: Table ${ref.projectId}:${ref.datasetId}.${ref.tableId}`);
    }
    return t;
  }

  private store(ref: TableRefName, fields: BqField[], data: Table): StoredTable {
    const prev = this.tables.get(key(ref.projectId, ref.datasetId, ref.tableId));
    const now = this.tick();
    const numBytes = logicalBytes(fields, data);
    const etag = createHash('sha256').update(`${key(ref.projectId, ref.datasetId, ref.tableId)}@${now}`).digest('base64').slice(0, 22);
    const t: StoredTable = { ref, fields, data, numBytes, created: prev?.created ?? now, modified: now, etag };
    this.tables.set(key(ref.projectId, ref.datasetId, ref.tableId), t);
    return t;
  }

  /** Creates (or replaces) a base table from DuckDB SQL, e.g. `SELECT * FROM read_parquet('x.parquet')`. */
  async loadTable(ref: TableRefName, selectSql: string): Promise<StoredTable> {
    this.getDataset(ref.projectId, ref.datasetId);
    await this.conn.run(`CREATE OR REPLACE TABLE ${duckTableName(ref)} AS ${selectSql}`);
    const reader = await this.conn.runAndReadAll(`SELECT * FROM ${duckTableName(ref)}`);
    const { fields, table } = duckResultToArrow(reader);
    return this.store(ref, fields, table);
  }

  deleteTable(ref: TableRefName): void {
    this.getTable(ref);
    this.tables.delete(key(ref.projectId, ref.datasetId, ref.tableId));
  }

  /**
   * Where BigQuery runs a job that names no location: where the datasets it reads are (the first
   * one found), else where its destination is, else the double's default location.
   */
  inferLocation(sql: string, defaultProject: string, destination?: { projectId: string; datasetId: string }): string {
    let tables: TableRefName[] = [];
    try {
      tables = prepareQuery(sql, defaultProject).tables;
    } catch {
      // a syntax error is reported when the query runs
    }
    for (const ref of tables) {
      const ds = this.datasets.get(key(ref.projectId, ref.datasetId));
      if (ds) return ds.location;
    }
    const dest = destination && this.datasets.get(key(destination.projectId, destination.datasetId));
    return dest ? dest.location : this.location;
  }

  /**
   * Runs a GoogleSQL query: checks every referenced table exists (BigQuery's notFound), binds the
   * named parameters, and returns the result typed as BigQuery would, plus the bytes it "scanned".
   */
  async runQuery(
    sql: string,
    queryParameters: QueryParameter[],
    opts: { defaultProject: string; location: string; dryRun: boolean },
  ): Promise<{ fields: BqField[]; table: Table | undefined; bytesProcessed: number }> {
    let rw;
    try {
      rw = prepareQuery(sql, opts.defaultProject);
    } catch (err) {
      throw new BqError(400, 'invalidQuery', `Syntax error: ${(err as Error).message}`);
    }
    let bytes = 0;
    const seen = new Set<string>();
    for (const ref of rw.tables) {
      const ds = this.datasets.get(key(ref.projectId, ref.datasetId));
      if (!ds || ds.location.toLowerCase() !== opts.location.toLowerCase()) {
        throw new BqError(404, 'notFound', `Not found: Dataset ${ref.projectId}:${ref.datasetId} was not found in location ${opts.location}`);
      }
      const t = this.tables.get(key(ref.projectId, ref.datasetId, ref.tableId));
      if (!t) throw new BqError(404, 'notFound', `Not found: Table ${ref.projectId}:${ref.datasetId}.${ref.tableId} was not found in location ${opts.location}`);
      const k = key(ref.projectId, ref.datasetId, ref.tableId);
      if (!seen.has(k)) bytes += t.numBytes;
      seen.add(k);
    }
    const byName = new Map<string, QueryParameter>();
    for (const p of queryParameters) byName.set(p.name!, p);
    const values: Record<string, DuckDBValue> = {};
    const types: Record<string, DuckDBType> = {};
    for (const name of rw.params) {
      const p = byName.get(name);
      if (!p) throw new BqError(400, 'invalidQuery', `Query parameter '${name}' not found at [1:1]`);
      const [v, t] = toDuck(p);
      values[name] = v;
      types[name] = t;
    }
    if (opts.dryRun) {
      // validate like a dry run does: plan the statement without producing rows
      await this.prepare(rw.sql);
      return { fields: [], table: undefined, bytesProcessed: bytes };
    }
    try {
      const reader = await this.conn.runAndReadAll(rw.sql, values, types);
      const { fields, table } = duckResultToArrow(reader);
      return { fields, table, bytesProcessed: bytes };
    } catch (err) {
      throw translateDuckError(err);
    }
  }

  private async prepare(sql: string): Promise<void> {
    try {
      const prepared = await this.conn.prepare(sql);
      prepared.destroySync?.();
    } catch (err) {
      throw translateDuckError(err);
    }
  }

  storeResult(ref: TableRefName, fields: BqField[], data: Table): StoredTable {
    return this.store(ref, fields, data);
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

function toDuck(p: QueryParameter): [DuckDBValue, DuckDBType] {
  const type = p.parameterType?.type;
  // JSON numbers and booleans are accepted for these string-typed fields, as the real API does
  const given = p.parameterValue?.value as unknown;
  const raw = typeof given === 'number' || typeof given === 'boolean' ? String(given) : given;
  const bad = () => new BqError(400, 'invalidQuery', `Invalid value for query parameter ${p.name} of type ${type}: ${JSON.stringify(p.parameterValue)}`);
  switch (type) {
    case 'STRING':
      if (typeof raw !== 'string') throw bad();
      return [raw, VARCHAR];
    case 'INT64':
      if (typeof raw !== 'string' || !/^-?\d+$/.test(raw)) throw bad();
      return [BigInt(raw), BIGINT];
    case 'FLOAT64':
      if (typeof raw !== 'string' || Number.isNaN(Number(raw))) throw bad();
      return [Number(raw), DOUBLE];
    case 'BOOL':
      if (raw !== 'true' && raw !== 'false') throw bad();
      return [raw === 'true', BOOLEAN];
    case 'DATE': {
      if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw)) throw bad();
      return [dateValue(Date.parse(raw + 'T00:00:00Z') / 86_400_000), DATE];
    }
    case 'TIMESTAMP': {
      const ms = typeof raw === 'string' ? Date.parse(raw.replace(' ', 'T')) : NaN;
      if (Number.isNaN(ms)) throw bad();
      return [timestampValue(BigInt(ms) * 1000n), TIMESTAMP];
    }
    case 'ARRAY': {
      if (p.parameterType?.arrayType?.type !== 'STRING' || !Array.isArray(p.parameterValue?.arrayValues)) throw bad();
      return [listValue(p.parameterValue!.arrayValues!.map((x) => String(x.value))), LIST(VARCHAR)];
    }
    default:
      throw new BqError(400, 'invalidQuery', `Unsupported query parameter type ${type} for ${p.name}`);
  }
}

/** DuckDB's messages in BigQuery's words, so clients see the reasons BigQuery would send. */
export function translateDuckError(err: unknown): BqError {
  if (err instanceof BqError) return err;
  const msg = (err as Error)?.message ?? String(err);
  const col = /Referenced column "?([^"\s]+)"? not found/i.exec(msg) ?? /column "?([^"\s]+)"? (?:does not exist|not found)/i.exec(msg);
  if (col) return new BqError(400, 'invalidQuery', `Unrecognized name: ${col[1]} at [1:1]`);
  const table = /Table with name "?([^"\s]+)"? does not exist/i.exec(msg);
  if (table) return new BqError(404, 'notFound', `Not found: Table ${table[1]}`);
  return new BqError(400, 'invalidQuery', msg.split('\n')[0]);
}
