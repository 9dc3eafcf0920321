import {
  DataType,
  makeData,
  RecordBatch,
  Struct,
  Table,
  vectorFromArray,
  type Data,
  type Field,
  type Vector,
} from 'apache-arrow';
import type { RowMask } from './row-mask.ts';
import { utf8Column, validity } from './utf8-column.ts';

/**
 * `table` without the rows in `drop`, same schema, one record batch. Columns are gathered buffer by
 * buffer (typed arrays, UTF-8 bytes, dictionary indices); only types the scoring tables never use
 * fall back to Arrow's generic builder.
 */
export function filterTable(table: Table, drop: RowMask): Table {
  const dropped = drop.count();
  if (dropped === 0) return table;
  const keep = new Int32Array(table.numRows - dropped);
  let k = 0;
  for (let i = 0; i < table.numRows; i++) if (!drop.has(i)) keep[k++] = i;
  const children = table.schema.fields.map((f, c) => takeColumn(table.getChildAt(c)!, f, keep));
  const struct = makeData({ type: new Struct(table.schema.fields), length: keep.length, nullCount: 0, children });
  return new Table(table.schema, [new RecordBatch(table.schema, struct)]);
}

function takeColumn(vector: Vector, field: Field, keep: Int32Array): Data {
  const type = field.type as DataType;
  const n = keep.length;
  const chunks = vector.data as Data[];
  const single = chunks.length === 1 ? chunks[0] : null;
  const srcValid = single ? validity(single) : null;
  const multiValid = !single && vector.nullCount > 0;
  let nullCount = 0;
  let nullBitmap: Uint8Array | undefined;
  if (srcValid || multiValid) {
    nullBitmap = new Uint8Array(((n + 63) & ~63) >> 3);
    for (let i = 0; i < n; i++) {
      const ok = srcValid ? srcValid[keep[i]] === 1 : vector.isValid(keep[i]);
      if (ok) nullBitmap[i >> 3] |= 1 << (i & 7);
      else nullCount++;
    }
  }
  if (single && isFixedWidthNumeric(type)) {
    const src = single.values as unknown as { constructor: new (n: number) => TypedArray } & TypedArray;
    const stride = single.stride || 1;
    const out = new src.constructor(n * stride) as TypedArray;
    if (stride === 1) for (let i = 0; i < n; i++) out[i] = src[keep[i]];
    else for (let i = 0; i < n; i++) for (let s = 0; s < stride; s++) out[i * stride + s] = src[keep[i] * stride + s];
    return makeData({ type: type as never, length: n, nullCount, nullBitmap, data: out as never });
  }
  if (DataType.isUtf8(type)) {
    const col = utf8Column(vector, field.name);
    const offsets = new Int32Array(n + 1);
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      bytes += col.ends[keep[i]] - col.starts[keep[i]];
      offsets[i + 1] = bytes;
    }
    const data = new Uint8Array(bytes);
    for (let i = 0; i < n; i++) data.set(col.values.subarray(col.starts[keep[i]], col.ends[keep[i]]), offsets[i]);
    return makeData({ type, length: n, nullCount, nullBitmap, valueOffsets: offsets, data });
  }
  if (single && DataType.isDictionary(type)) {
    const idx = single.values as TypedArray;
    const out = new (idx.constructor as new (n: number) => TypedArray)(n);
    for (let i = 0; i < n; i++) out[i] = idx[keep[i]];
    return makeData({ type, length: n, nullCount, nullBitmap, data: out as never, dictionary: single.dictionary });
  }
  // Rare types (bool, multi-chunk dictionaries, nested): correct, not fast.
  const values: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) values[i] = vector.get(keep[i]);
  return vectorFromArray(values as never, type as never).data[0] as Data;
}

type TypedArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

function isFixedWidthNumeric(type: DataType): boolean {
  return (
    DataType.isFloat(type) ||
    DataType.isInt(type) ||
    DataType.isDate(type) ||
    DataType.isTimestamp(type) ||
    DataType.isTime(type) ||
    DataType.isDecimal(type)
  );
}
