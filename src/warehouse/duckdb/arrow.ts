/**
 * DuckDB query results → Arrow columns without a JS value per cell.
 *
 * Fixed-width columns: each result chunk's raw vector bytes are copied into one preallocated typed
 * array per column (DuckDB and Arrow share the little-endian layouts and the LSB-first validity
 * bitmaps). Strings: a DuckDB string is a 16-byte slot holding up to 12 bytes inline, otherwise a
 * pointer that costs one native call per value to follow. So every VARCHAR column is selected as
 * two 12-character pieces plus the rest; ASCII pieces stay inline and are concatenated straight into
 * Arrow's utf8 offsets + data buffers by a byte loop. A piece longer than 12 bytes (the rest of long
 * text, or non-ASCII text) takes the pointer, so any text converts exactly. bench/extract.ts
 * measures this against the alternatives (docs/benchmarks-extract.md).
 */
import duckdb from '@duckdb/node-bindings';
import { DuckDBTypeId, type DuckDBConnection, type DuckDBMaterializedResult, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { Bool, DateDay, Float32, Float64, Int32, Int64, Table, Utf8, makeData, makeVector, type Vector } from 'apache-arrow';
import { duckdbIdent } from '../emulate/index.ts';

const PIECE = 12;
/** inline pieces per string: 2 × 12 covers 22-character track ids; longer text spills into a rest piece */
const DEFAULT_PIECES = 2;

interface Bound {
  values?: Record<string, DuckDBValue>;
  types?: Record<string, DuckDBType>;
}

export type StringStrategy = 'pieces' | 'pointer';

/**
 * Runs `sql` (DuckDB dialect, `$name` parameters) and returns its result as an Arrow Table with
 * one record batch. Each VARCHAR column is selected as `pieces` 12-character pieces plus the rest
 * (empty unless the text is longer), so typical ids never need the pointer. `strings: 'pointer'`
 * reads whole strings through the pointer instead (kept for measurement).
 */
export async function queryToArrow(conn: DuckDBConnection, sql: string, bound: Bound = {}, strings: StringStrategy = 'pieces', pieces = DEFAULT_PIECES): Promise<Table> {
  if (strings === 'pointer') {
    return resultToArrow(await conn.run(sql, bound.values, bound.types), null);
  }
  // Preparing reveals the result's columns without running the query.
  const prepared = await conn.prepare(sql);
  const names: string[] = [];
  const typeIds: DuckDBTypeId[] = [];
  try {
    for (let i = 0; i < prepared.columnCount; i++) {
      names.push(prepared.columnName(i));
      typeIds.push(prepared.columnTypeId(i));
    }
  } finally {
    prepared.destroySync();
  }
  if (!typeIds.includes(DuckDBTypeId.VARCHAR)) return resultToArrow(await conn.run(sql, bound.values, bound.types), null);
  const select = names
    .map((c, i) => {
      const col = `__q.${duckdbIdent(c)}`;
      if (typeIds[i] !== DuckDBTypeId.VARCHAR) return col;
      const parts = Array.from({ length: pieces }, (_, k) => `substr(${col}, ${1 + k * PIECE}, ${PIECE})`);
      parts.push(`substr(${col}, ${1 + pieces * PIECE})`);
      return parts.join(', ');
    })
    .join(', ');
  // a projection over the query keeps its ORDER BY; the newline ends a trailing -- comment
  const inner = sql.replace(/;\s*$/, '');
  const res = await conn.run(`SELECT ${select} FROM (${inner}\n) AS __q`, bound.values, bound.types);
  const layout = new Map(names.filter((_, i) => typeIds[i] === DuckDBTypeId.VARCHAR).map((c) => [c, pieces + 1]));
  return resultToArrow(res, { names, typeIds, pieces: layout });
}

interface PieceLayout {
  names: string[];
  typeIds: DuckDBTypeId[];
  pieces: Map<string, number>;
}

/** Converts a materialized result; with `layout`, VARCHAR columns arrive as consecutive pieces. */
export function resultToArrow(res: DuckDBMaterializedResult, layout: PieceLayout | null): Table {
  const rows = res.rowCount;
  const names = layout?.names ?? res.columnNames();
  const typeIds = layout?.typeIds ?? names.map((_, i) => res.columnTypeId(i));
  const builders: ColumnBuilder[] = [];
  let physical = 0;
  for (let c = 0; c < names.length; c++) {
    const nPieces = layout ? (layout.pieces.get(names[c]) ?? 0) : 0;
    if (typeIds[c] === DuckDBTypeId.VARCHAR) {
      const width = Math.max(1, nPieces);
      builders.push(new StringBuilder(names[c], physical, width, rows));
      physical += width;
    } else {
      builders.push(fixedBuilder(names[c], typeIds[c], physical, rows));
      physical += 1;
    }
  }
  let offset = 0;
  for (let k = 0; k < res.chunkCount; k++) {
    const chunk = res.getChunk(k).chunk;
    const n = duckdb.data_chunk_get_size(chunk);
    if (n === 0) continue;
    for (const b of builders) b.append(chunk, offset, n);
    offset += n;
  }
  const columns: Record<string, Vector> = {};
  for (const b of builders) columns[b.name] = b.finish(offset);
  return new Table(columns);
}

interface ColumnBuilder {
  readonly name: string;
  append(chunk: duckdb.DataChunk, offset: number, n: number): void;
  finish(length: number): Vector;
}

/** Arrow validity bitmap, created on the first NULL. */
class Validity {
  bitmap: Uint8Array | null = null;
  nulls = 0;
  private readonly rows: number;

  constructor(rows: number) {
    this.rows = rows;
  }

  copyFrom(vector: duckdb.Vector, offset: number, n: number): void {
    const words = Math.ceil(n / 64);
    const v = duckdb.vector_get_validity(vector, words * 8) as Uint8Array | null;
    if (!v) return;
    for (let i = 0; i < n; i++) {
      if ((v[i >> 3] & (1 << (i & 7))) === 0) {
        if (!this.bitmap) this.bitmap = new Uint8Array(Math.ceil(this.rows / 8)).fill(0xff);
        const j = offset + i;
        this.bitmap[j >> 3] &= ~(1 << (j & 7));
        this.nulls++;
      }
    }
  }

  isNull(vector: Uint8Array | null, i: number): boolean {
    return vector !== null && (vector[i >> 3] & (1 << (i & 7))) === 0;
  }
}

function fixedBuilder(name: string, typeId: DuckDBTypeId, column: number, rows: number): ColumnBuilder {
  switch (typeId) {
    case DuckDBTypeId.DOUBLE:
      return new FixedBuilder(name, column, rows, 8, (buf, len, v) => makeVector(makeData({ type: new Float64(), length: len, nullCount: v.nulls, nullBitmap: v.bitmap, data: new Float64Array(buf.buffer, 0, len) })));
    case DuckDBTypeId.FLOAT:
      return new FixedBuilder(name, column, rows, 4, (buf, len, v) => makeVector(makeData({ type: new Float32(), length: len, nullCount: v.nulls, nullBitmap: v.bitmap, data: new Float32Array(buf.buffer, 0, len) })));
    case DuckDBTypeId.INTEGER:
      return new FixedBuilder(name, column, rows, 4, (buf, len, v) => makeVector(makeData({ type: new Int32(), length: len, nullCount: v.nulls, nullBitmap: v.bitmap, data: new Int32Array(buf.buffer, 0, len) })));
    case DuckDBTypeId.BIGINT:
      return new FixedBuilder(name, column, rows, 8, (buf, len, v) => makeVector(makeData({ type: new Int64(), length: len, nullCount: v.nulls, nullBitmap: v.bitmap, data: new BigInt64Array(buf.buffer, 0, len) })));
    case DuckDBTypeId.DATE:
      return new FixedBuilder(name, column, rows, 4, (buf, len, v) => makeVector(makeData({ type: new DateDay(), length: len, nullCount: v.nulls, nullBitmap: v.bitmap, data: new Int32Array(buf.buffer, 0, len) })));
    case DuckDBTypeId.BOOLEAN:
      return new FixedBuilder(name, column, rows, 1, (buf, len, v) => {
        const bits = new Uint8Array(Math.ceil(len / 8));
        for (let i = 0; i < len; i++) if (buf[i]) bits[i >> 3] |= 1 << (i & 7);
        return makeVector(makeData({ type: new Bool(), length: len, nullCount: v.nulls, nullBitmap: v.bitmap, data: bits }));
      });
    default:
      throw new Error(`column ${name}: DuckDB type ${DuckDBTypeId[typeId]} has no Arrow conversion here; CAST it to FLOAT64, INT64, DATE, BOOL or STRING in the query`);
  }
}

class FixedBuilder implements ColumnBuilder {
  private readonly buf: Uint8Array;
  private readonly validity: Validity;
  readonly name: string;
  private readonly column: number;
  private readonly width: number;
  private readonly make: (buf: Uint8Array, length: number, v: Validity) => Vector;

  constructor(
    name: string,
    column: number,
    rows: number,
    width: number,
    make: (buf: Uint8Array, length: number, v: Validity) => Vector,
  ) {
    this.name = name;
    this.column = column;
    this.width = width;
    this.make = make;
    // 8-byte aligned backing store so typed views over it are always legal
    this.buf = new Uint8Array(new ArrayBuffer(Math.ceil((rows * width) / 8) * 8));
    this.validity = new Validity(rows);
  }
  append(chunk: duckdb.DataChunk, offset: number, n: number): void {
    const vector = duckdb.data_chunk_get_vector(chunk, this.column);
    this.buf.set(duckdb.vector_get_data(vector, n * this.width), offset * this.width);
    this.validity.copyFrom(vector, offset, n);
  }
  finish(length: number): Vector {
    return this.make(this.buf, length, this.validity);
  }
}

class StringBuilder implements ColumnBuilder {
  private readonly offsets: Int32Array;
  private data: Uint8Array;
  private used = 0;
  private readonly validity: Validity;
  readonly name: string;
  private readonly first: number;
  private readonly pieces: number;

  constructor(
    name: string,
    first: number,
    pieces: number,
    rows: number,
  ) {
    this.name = name;
    this.first = first;
    this.pieces = pieces;
    this.offsets = new Int32Array(rows + 1);
    this.data = new Uint8Array(Math.max(1024, rows * 24));
    this.validity = new Validity(rows);
  }

  append(chunk: duckdb.DataChunk, offset: number, n: number): void {
    const slots: Uint8Array[] = [];
    for (let p = 0; p < this.pieces; p++) slots.push(duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk, this.first + p), n * 16));
    const head = duckdb.data_chunk_get_vector(chunk, this.first);
    const validity = duckdb.vector_get_validity(head, Math.ceil(n / 64) * 8) as Uint8Array | null;
    this.validity.copyFrom(head, offset, n);
    const offsets = this.offsets;
    for (let i = 0; i < n; i++) {
      if (!this.validity.isNull(validity, i)) {
        for (let p = 0; p < this.pieces; p++) {
          const s = slots[p];
          const at = i * 16;
          const len = s[at] | (s[at + 1] << 8) | (s[at + 2] << 16) | (s[at + 3] << 24);
          if (len === 0) continue;
          if (this.used + len > this.data.length) this.grow(len);
          if (len <= 12) {
            const d = this.data;
            let w = this.used;
            for (let b = at + 4, e = at + 4 + len; b < e; b++) d[w++] = s[b];
          } else {
            this.data.set(duckdb.get_data_from_pointer(s.buffer as ArrayBuffer, s.byteOffset + at + 8, len), this.used);
          }
          this.used += len;
        }
      }
      offsets[offset + i + 1] = this.used;
    }
  }

  private grow(need: number): void {
    const size = Math.max(this.data.length * 2, this.used + need);
    if (size > 0x7fffffff) throw new Error(`column ${this.name}: more than 2 GiB of text in one result`);
    const next = new Uint8Array(size);
    next.set(this.data.subarray(0, this.used));
    this.data = next;
  }

  finish(length: number): Vector {
    return makeVector(
      makeData({
        type: new Utf8(),
        length,
        nullCount: this.validity.nulls,
        nullBitmap: this.validity.bitmap,
        valueOffsets: this.offsets.subarray(0, length + 1),
        data: this.data.subarray(0, this.used),
      }),
    );
  }
}
