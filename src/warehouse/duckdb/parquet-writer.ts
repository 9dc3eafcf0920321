/**
 * Moving generated columns into DuckDB fast: numbers go in 2048-row data chunks copied from typed
 * arrays (no value per cell crosses into the engine), strings (only the distinct ids) through the
 * appender; the Parquet files are then written by DuckDB's COPY.
 */
import duckdb from '@duckdb/node-bindings';
import { BOOLEAN, DOUBLE, DuckDBDataChunk, INTEGER, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { duckdbIdent } from '../emulate/index.ts';

export type NumericColumn = [name: string, type: 'INTEGER', data: Int32Array] | [name: string, type: 'DOUBLE', data: Float64Array] | [name: string, type: 'BOOLEAN', data: Uint8Array];

const TYPES: Record<string, DuckDBType> = { INTEGER, DOUBLE, BOOLEAN };
const WIDTH: Record<string, number> = { INTEGER: 4, DOUBLE: 8, BOOLEAN: 1 };
const CHUNK = 2048;

export async function createNumericTable(conn: DuckDBConnection, table: string, columns: NumericColumn[]): Promise<void> {
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
export class ChunkAppender {
  private constructor(
    private readonly appender: Awaited<ReturnType<DuckDBConnection['createAppender']>>,
    private readonly chunk: DuckDBDataChunk,
    private readonly types: ('INTEGER' | 'DOUBLE' | 'BOOLEAN')[],
  ) {}

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
export async function createIdTable(conn: DuckDBConnection, table: string, ids: readonly string[]): Promise<void> {
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
