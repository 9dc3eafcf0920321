/**
 * Typed arrays into DuckDB tables without a value per cell crossing into the engine: numbers go in
 * as whole data chunks (up to 2048 rows) copied from the arrays' bytes, strings (only distinct ids)
 * through the appender, to be joined in SQL. The sample's Parquet writer and the simulator's engine
 * both load their tables this way.
 */
import duckdb from '@duckdb/node-bindings';
import { BOOLEAN, DOUBLE, DuckDBDataChunk, INTEGER, type DuckDBAppender, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { duckdbIdent } from '../emulate/index.ts';

export type ColumnType = 'INTEGER' | 'DOUBLE' | 'BOOLEAN';
export type NumericArray = Int32Array | Float64Array | Uint8Array;

const TYPES: Record<ColumnType, DuckDBType> = { INTEGER, DOUBLE, BOOLEAN };
const WIDTH: Record<ColumnType, number> = { INTEGER: 4, DOUBLE: 8, BOOLEAN: 1 };
/** rows per data chunk (DuckDB's vector size) */
export const CHUNK_ROWS = 2048;

/** CREATE TABLE with these numeric columns. */
export async function createNumericTable(conn: DuckDBConnection, table: string, columns: [string, ColumnType][]): Promise<void> {
  await conn.run(`CREATE TABLE ${duckdbIdent(table)} (${columns.map(([n, t]) => `${duckdbIdent(n)} ${t}`).join(', ')})`);
}

/** (idx INTEGER, id VARCHAR) for one list of distinct ids: rows carry the index, SQL joins the text. */
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

/** An appender of typed-array columns to one numeric table, a data chunk at a time. */
export class ChunkAppender {
  private readonly appender: DuckDBAppender;
  private readonly chunk: DuckDBDataChunk;
  private readonly types: ColumnType[];

  private constructor(appender: DuckDBAppender, types: ColumnType[]) {
    this.appender = appender;
    this.types = types;
    this.chunk = DuckDBDataChunk.create(types.map((t) => TYPES[t]), CHUNK_ROWS);
  }

  /** On an existing table whose columns have these types, in order. */
  static async open(conn: DuckDBConnection, table: string, types: ColumnType[]): Promise<ChunkAppender> {
    return new ChunkAppender(await conn.createAppender(table), types);
  }

  /** appends rows [offset, offset + n) of each array (n <= CHUNK_ROWS) */
  append(arrays: NumericArray[], n: number, offset = 0): void {
    if (n > CHUNK_ROWS) throw new RangeError(`at most ${CHUNK_ROWS} rows per chunk, got ${n}`);
    this.chunk.rowCount = n;
    arrays.forEach((data, c) => {
      const w = WIDTH[this.types[c]];
      duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(this.chunk.chunk, c), 0, data.buffer as ArrayBuffer, data.byteOffset + offset * w, n * w);
    });
    this.appender.appendDataChunk(this.chunk);
  }

  /** appends the first `rows` rows of each array, chunk by chunk */
  appendAll(arrays: NumericArray[], rows: number): void {
    for (let off = 0; off < rows; off += CHUNK_ROWS) this.append(arrays, Math.min(CHUNK_ROWS, rows - off), off);
  }

  flush(): void {
    this.appender.flushSync();
  }

  close(): void {
    this.appender.flushSync();
    this.appender.closeSync();
  }
}
