/**
 * The Warehouse port on the embedded engine: `duckdb:FILE` (a DuckDB database holding the contract
 * tables) or `parquet:DIR` (one <table>.parquet per table, exposed as views). Queries are the sql/
 * files rewritten by emulate/, parameters bound by DuckDB, results handed over as Arrow.
 */
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { InfraError, InputDataError, PromoscoreError, UsageError } from '../../core/errors.ts';
import { sha256Hex, canonicalJson } from '../../core/hash.ts';
import { duckdbIdent, installCompatMacros, referencedParams, referencedTables, rewriteForDuckDB } from '../emulate/index.ts';
import type { DryRunResult, InputTableInfo, QueryRequest, QueryResult, Warehouse } from '../port.ts';
import { CONTRACT_TABLES, CONTRACT_TABLE_NAMES, contractTable, type ContractType } from '../tables.ts';
import { queryToArrow } from './arrow.ts';
import { openDuckDB, sqlString } from './engine.ts';
import { toDuckDBParams } from './params.ts';

export type LocalSource = { kind: 'duckdb'; file: string } | { kind: 'parquet'; dir: string };

export interface DuckDBWarehouseOptions {
  threads?: number;
  /** DuckDB memory_limit, e.g. '1GB': past it the engine spills to a temp directory */
  memoryLimit?: string;
}

function engineOptions(opts: DuckDBWarehouseOptions, readOnly: boolean) {
  return {
    readOnly,
    threads: opts.threads,
    memoryLimit: opts.memoryLimit,
    tempDirectory: opts.memoryLimit ? join(tmpdir(), `promoscore-duckdb-spill-${process.pid}`) : undefined,
  };
}

/** DuckDB type names (as DESCRIBE prints them) each contract type accepts. */
const ACCEPTED: Record<ContractType, (t: string) => boolean> = {
  STRING: (t) => t === 'VARCHAR',
  DATE: (t) => t === 'DATE',
  BOOL: (t) => t === 'BOOLEAN',
  INT64: (t) => ['BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT', 'UINTEGER', 'USMALLINT', 'UTINYINT'].includes(t),
  FLOAT64: (t) => ['DOUBLE', 'FLOAT', 'BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT'].includes(t) || t.startsWith('DECIMAL'),
};

export class DuckDBWarehouse implements Warehouse {
  private validated: Promise<void> | null = null;
  private closed = false;
  /** one statement at a time on the connection, whatever callers await in parallel */
  private queue: Promise<unknown> = Promise.resolve();

  readonly uri: string;
  private readonly source: LocalSource;
  private readonly instance: DuckDBInstance | null;
  private readonly conn: DuckDBConnection;

  private constructor(
    uri: string,
    source: LocalSource,
    /** null: the connection belongs to the caller (onConnection), and close() leaves it open */
    instance: DuckDBInstance | null,
    conn: DuckDBConnection,
  ) {
    this.uri = uri;
    this.source = source;
    this.instance = instance;
    this.conn = conn;
  }

  /**
   * The port over a connection the caller owns and keeps open (the simulator runs the job every
   * simulated day on one engine): the connection's current database holds the contract tables.
   */
  static async onConnection(uri: string, conn: DuckDBConnection): Promise<DuckDBWarehouse> {
    await installCompatMacros(conn);
    return new DuckDBWarehouse(uri, { kind: 'duckdb', file: uri }, null, conn);
  }

  static async open(uri: string, source: LocalSource, opts: DuckDBWarehouseOptions = {}): Promise<DuckDBWarehouse> {
    if (source.kind === 'duckdb') {
      const file = resolve(source.file);
      if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`warehouse ${uri}: no DuckDB file at ${file}`);
      let db;
      try {
        db = await openDuckDB(file, engineOptions(opts, true));
      } catch (err) {
        throw new InputDataError(`warehouse ${uri}: cannot open ${file} as a DuckDB database: ${(err as Error).message}`, { cause: err });
      }
      const wh = new DuckDBWarehouse(uri, { kind: 'duckdb', file }, db.instance, db.conn);
      await installCompatMacros(db.conn);
      return wh;
    }
    const dir = resolve(source.dir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`warehouse ${uri}: no directory at ${dir}`);
    const db = await openDuckDB(':memory:', engineOptions(opts, false));
    const wh = new DuckDBWarehouse(uri, { kind: 'parquet', dir }, db.instance, db.conn);
    try {
      await installCompatMacros(db.conn);
      for (const t of CONTRACT_TABLE_NAMES) {
        const file = join(dir, `${t}.parquet`);
        if (!existsSync(file)) continue; // reported by validation, naming the table
        try {
          await db.conn.run(`CREATE VIEW ${duckdbIdent(t)} AS SELECT * FROM read_parquet(${sqlString(file)})`);
        } catch (err) {
          throw new InputDataError(`table ${t}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
        }
      }
    } catch (err) {
      await wh.close();
      throw err;
    }
    return wh;
  }

  /** Every contract table present, with every contract column of an acceptable type. */
  validateInputs(): Promise<void> {
    this.validated ??= this.serial(() => this.checkTables());
    return this.validated;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async checkTables(): Promise<void> {
    const rows = (await this.conn.runAndReadAll(`SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'main'`)).getRows();
    const have = new Map<string, Map<string, string>>();
    for (const [table, column, type] of rows as [string, string, string][]) {
      if (!have.has(table)) have.set(table, new Map());
      have.get(table)!.set(column, type);
    }
    for (const t of CONTRACT_TABLES) {
      const cols = have.get(t.name);
      if (!cols) {
        const where = this.source.kind === 'parquet' ? ` (expected ${join(this.source.dir, `${t.name}.parquet`)})` : ` in ${this.source.file}`;
        throw new InputDataError(`table ${t.name} is missing${where}`);
      }
      for (const c of t.columns) {
        const type = cols.get(c.name);
        if (type === undefined) throw new InputDataError(`table ${t.name} has no column ${c.name} (${c.type})`);
        if (!ACCEPTED[c.type](type)) throw new InputDataError(`column ${t.name}.${c.name} has type ${type}, expected ${c.type}`);
      }
    }
  }

  private prepare(req: QueryRequest): { sql: string; values: ReturnType<typeof toDuckDBParams> } {
    let sql: string;
    try {
      sql = rewriteForDuckDB(req.sql);
    } catch (err) {
      throw new UsageError(`query ${req.name}: ${(err as Error).message}`, { cause: err });
    }
    return { sql, values: toDuckDBParams(referencedParams(req.sql), req.params, req.name) };
  }

  async query(req: QueryRequest): Promise<QueryResult> {
    this.assertOpen();
    await this.validateInputs();
    const { sql, values } = this.prepare(req);
    let table;
    try {
      table = await this.serial(() => queryToArrow(this.conn, sql, values));
    } catch (err) {
      if (err instanceof PromoscoreError) throw err;
      throw this.classify(req.name, err);
    }
    return {
      table,
      jobId: `duckdb-${req.name}-${sha256Hex(canonicalJson({ sql: req.sql, params: req.params })).slice(0, 16)}`,
      bytesProcessed: await this.serial(() => this.estimateBytes(referencedTables(req.sql))),
    };
  }

  async dryRun(req: QueryRequest): Promise<DryRunResult> {
    this.assertOpen();
    await this.validateInputs();
    const { sql, values } = this.prepare(req);
    try {
      // binds and plans without running: catches a bad column or parameter like BigQuery's dry run
      await this.serial(() => this.conn.run(`EXPLAIN ${sql}`, values.values, values.types));
    } catch (err) {
      throw this.classify(req.name, err);
    }
    return { name: req.name, bytesProcessed: await this.serial(() => this.estimateBytes(referencedTables(req.sql))) };
  }

  /** Parquet: the files' sizes; DuckDB file: estimated rows × 8 bytes × columns. */
  private async estimateBytes(tables: string[]): Promise<number> {
    let total = 0;
    for (const t of tables) {
      if (this.source.kind === 'parquet') {
        const file = join(this.source.dir, `${t}.parquet`);
        if (existsSync(file)) total += statSync(file).size;
      } else {
        const r = (await this.conn.runAndReadAll(`SELECT estimated_size, column_count FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = $t`, { t })).getRows();
        if (r.length) total += Number(r[0][0]) * Number(r[0][1]) * 8;
      }
    }
    return total;
  }

  async describeInputs(): Promise<InputTableInfo[]> {
    this.assertOpen();
    await this.validateInputs();
    const out: InputTableInfo[] = [];
    for (const t of CONTRACT_TABLE_NAMES) {
      const cols = contractTable(t).columns.map((c) => duckdbIdent(c.name));
      // Order-independent content hash: the same rows give the same fingerprint whatever the file layout.
      let r;
      try {
        r = (
          await this.serial(() => this.conn.runAndReadAll(
            `SELECT count(*), COALESCE(sum(h % 1000000007), 0), COALESCE(bit_xor(h), 0) FROM (SELECT hash(${cols.join(', ')}) AS h FROM ${duckdbIdent(t)})`,
          ))
        ).getRows()[0];
      } catch (err) {
        // reading every row is the first place undecodable data shows: name the table, exit 3
        const msg = (err as Error)?.message ?? String(err);
        if (/utf-?8|encoding/i.test(msg)) throw new InputDataError(`table ${t} holds text that is not valid UTF-8: ${msg}`, { cause: err });
        throw new InputDataError(`table ${t}: cannot read its rows: ${msg}`, { cause: err });
      }
      const rows = Number(r[0]);
      out.push({ table: t, rows, fingerprint: sha256Hex(canonicalJson({ table: t, columns: cols, rows, sum: String(r[1]), xor: String(r[2]) })) });
    }
    return out;
  }

  private classify(name: string, err: unknown): Error {
    const msg = (err as Error)?.message ?? String(err);
    if (/Binder Error|Catalog Error|Conversion Error|Parser Error/.test(msg)) {
      return new InputDataError(`query ${name} failed on ${this.uri}: ${msg}`, { cause: err });
    }
    return new InfraError(`query ${name} failed on ${this.uri}: ${msg}`, { cause: err });
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`warehouse ${this.uri} is closed`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    if (!this.instance) return;
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
