/**
 * Writing generated columns out as Parquet through a scratch DuckDB: numbers go in 2048-row data
 * chunks copied from typed arrays (no value per cell crosses into the engine), strings (only the
 * distinct ids) through the appender; SELECTs over those tables are then written by DuckDB's COPY.
 * The sample generator uses it, so that it never holds a DuckDB connection itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import duckdb from '@duckdb/node-bindings';
import { BOOLEAN, DOUBLE, DuckDBDataChunk, INTEGER, type DuckDBConnection, type DuckDBInstance, type DuckDBType } from '@duckdb/node-api';
import { duckdbIdent } from '../emulate/index.ts';
import { openDuckDB, sqlString } from './engine.ts';

export type NumericColumn = [name: string, type: 'INTEGER', data: Int32Array] | [name: string, type: 'DOUBLE', data: Float64Array] | [name: string, type: 'BOOLEAN', data: Uint8Array];

const TYPES: Record<string, DuckDBType> = { INTEGER, DOUBLE, BOOLEAN };
const WIDTH: Record<string, number> = { INTEGER: 4, DOUBLE: 8, BOOLEAN: 1 };
const CHUNK = 2048;

async function createNumericTable(conn: DuckDBConnection, table: string, columns: NumericColumn[]): Promise<void> {
  await conn.run(`CREATE TABLE ${duckdbIdent(table)} (${columns.map(([n, t]) => `${duckdbIdent(n)} ${t}`).join(', ')})`);
  const rows = columns.length ? columns[0][2].length : 0;
  const appender = await conn.createAppender(table);
  const chunk = DuckDBDataChunk.create(columns.map(([, t]) => TYPES[t]), CHUNK);
  for (let off = 0; off < rows; off += CHUNK) {
    const n = Math.min(CHUNK, rows - off);
    chunk.rowCount = n;
    columns.forEach(([, t, data], c) => {
      const w = WIDTH[t];
      duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(chunk.chunk, c), 0, data.buffer as ArrayBuffer, data.byteOffset + off * w, n * w);
    });
    appender.appendDataChunk(chunk);
  }
  appender.flushSync();
  appender.closeSync();
}

/** A streaming appender of numeric chunks for tables too big to hold in JS at once. */
class ChunkAppender {
  private readonly appender: Awaited<ReturnType<DuckDBConnection['createAppender']>>;
  private readonly chunk: DuckDBDataChunk;
  private readonly types: ('INTEGER' | 'DOUBLE' | 'BOOLEAN')[];

  private constructor(
    appender: Awaited<ReturnType<DuckDBConnection['createAppender']>>,
    chunk: DuckDBDataChunk,
    types: ('INTEGER' | 'DOUBLE' | 'BOOLEAN')[],
  ) {
    this.appender = appender;
    this.chunk = chunk;
    this.types = types;
  }

  static async create(conn: DuckDBConnection, table: string, columns: [string, 'INTEGER' | 'DOUBLE' | 'BOOLEAN'][]): Promise<ChunkAppender> {
    await conn.run(`CREATE TABLE ${duckdbIdent(table)} (${columns.map(([n, t]) => `${duckdbIdent(n)} ${t}`).join(', ')})`);
    const appender = await conn.createAppender(table);
    return new ChunkAppender(appender, DuckDBDataChunk.create(columns.map(([, t]) => TYPES[t]), CHUNK), columns.map(([, t]) => t));
  }

  /** appends the first n values of each array (n <= 2048) */
  append(arrays: (Int32Array | Float64Array | Uint8Array)[], n: number): void {
    this.chunk.rowCount = n;
    arrays.forEach((data, c) => {
      duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(this.chunk.chunk, c), 0, data.buffer as ArrayBuffer, data.byteOffset, n * WIDTH[this.types[c]]);
    });
    this.appender.appendDataChunk(this.chunk);
  }

  close(): void {
    this.appender.flushSync();
    this.appender.closeSync();
  }
}

/** (idx INTEGER, id VARCHAR) for one list of distinct ids. */
async function createIdTable(conn: DuckDBConnection, table: string, ids: readonly string[]): Promise<void> {
  await conn.run(`CREATE TABLE ${duckdbIdent(table)} (idx INTEGER, id VARCHAR)`);
  const appender = await conn.createAppender(table);
  for (let i = 0; i < ids.length; i++) {
    appender.appendInteger(i);
    appender.appendVarchar(ids[i]);
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
}

export type ColumnType = 'INTEGER' | 'DOUBLE' | 'BOOLEAN';

/** Appends numeric chunks of at most 2048 rows to one scratch table. */
export interface ChunkSink {
  /** appends the first n values of each array (n <= 2048) */
  append(arrays: (Int32Array | Float64Array | Uint8Array)[], n: number): void;
  close(): void;
}

/**
 * A scratch database (in memory, spilling past `memoryLimit` to a temp directory it owns) that
 * keeps insertion order, so the same inputs always give the same Parquet bytes.
 */
export class ParquetWriter {
  private readonly instance: DuckDBInstance;
  private readonly conn: DuckDBConnection;
  private readonly scratch: string;

  private constructor(
    instance: DuckDBInstance,
    conn: DuckDBConnection,
    scratch: string,
  ) {
    this.instance = instance;
    this.conn = conn;
    this.scratch = scratch;
  }

  static async open(opts: { memoryLimit: string }): Promise<ParquetWriter> {
    const scratch = mkdtempSync(join(tmpdir(), 'promoscore-sample-'));
    const { instance, conn } = await openDuckDB(':memory:', { threads: 1, tempDirectory: scratch, memoryLimit: opts.memoryLimit });
    await conn.run('SET preserve_insertion_order = true');
    return new ParquetWriter(instance, conn, scratch);
  }

  /** (idx INTEGER, id VARCHAR) for one list of distinct ids. */
  idTable(table: string, ids: readonly string[]): Promise<void> {
    return createIdTable(this.conn, table, ids);
  }

  numericTable(table: string, columns: NumericColumn[]): Promise<void> {
    return createNumericTable(this.conn, table, columns);
  }

  /** A table filled chunk by chunk, for tables too big to hold in JS at once. */
  chunkSink(table: string, columns: [string, ColumnType][]): Promise<ChunkSink> {
    return ChunkAppender.create(this.conn, table, columns);
  }

  /**
   * Writes `select` (over the scratch tables) to `file` as snappy Parquet and returns its row count.
   * The query runs on one thread, so joins stream their probe side in insertion order; the COPY then
   * reads a plain table, which DuckDB writes in insertion order on any number of threads.
   */
  async writeParquet(table: string, select: string, file: string, threads: number): Promise<number> {
    const conn = this.conn;
    await conn.run('SET threads = 1');
    await conn.run(`CREATE TABLE ${duckdbIdent(`out_${table}`)} AS ${select}`);
    await conn.run(`SET threads = ${threads}`);
    await conn.run(`COPY ${duckdbIdent(`out_${table}`)} TO ${sqlString(file)} (FORMAT parquet, COMPRESSION snappy)`);
    await conn.run(`DROP TABLE ${duckdbIdent(`out_${table}`)}`);
    return Number((await conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${sqlString(file)})`)).getRows()[0][0]);
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
    rmSync(this.scratch, { recursive: true, force: true });
  }
}
