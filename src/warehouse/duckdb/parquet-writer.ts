/**
 * Writing generated columns out as Parquet through a scratch DuckDB: numbers go in 2048-row data
 * chunks copied from typed arrays (no value per cell crosses into the engine), strings (only the
 * distinct ids) through the appender; SELECTs over those tables are then written by DuckDB's COPY.
 * The sample generator uses it, so that it never holds a DuckDB connection itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckdbIdent } from '../emulate/index.ts';
import { ChunkAppender, createIdTable, createNumericTable, type ColumnType, type NumericArray } from './chunks.ts';
import { openDuckDB, sqlString } from './engine.ts';

export type { ColumnType } from './chunks.ts';
export type NumericColumn = [name: string, type: 'INTEGER', data: Int32Array] | [name: string, type: 'DOUBLE', data: Float64Array] | [name: string, type: 'BOOLEAN', data: Uint8Array];

/** Appends numeric chunks of at most 2048 rows to one scratch table. */
export interface ChunkSink {
  /** appends the first n values of each array (n <= 2048) */
  append(arrays: NumericArray[], n: number): void;
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

  async numericTable(table: string, columns: NumericColumn[]): Promise<void> {
    await createNumericTable(this.conn, table, columns.map(([n, t]) => [n, t]));
    const appender = await ChunkAppender.open(this.conn, table, columns.map(([, t]) => t));
    appender.appendAll(columns.map(([, , data]) => data), columns.length ? columns[0][2].length : 0);
    appender.close();
  }

  /** A table filled chunk by chunk, for tables too big to hold in JS at once. */
  async chunkSink(table: string, columns: [string, ColumnType][]): Promise<ChunkSink> {
    await createNumericTable(this.conn, table, columns);
    return ChunkAppender.open(this.conn, table, columns.map(([, t]) => t));
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
