import { DataType, makeData, RecordBatch, Struct, Table, type Data } from 'apache-arrow';
import { UsageError } from '../../src/core/errors.ts';

/**
 * Gathers rows of an Arrow table by index into one record batch, column by column, copying raw
 * buffers: no JS object per row. Chunked tables are fine; indices may come in any order, and each
 * output column is a fresh buffer, so the result's IPC bytes depend only on its values.
 */
export function takeRows(table: Table, indices: ArrayLike<number>): RecordBatch {
  const n = indices.length;
  const starts = chunkStarts(table);
  // Resolve every index to (chunk, local) once; all columns share the chunking of the table.
  const chunkOf = new Int32Array(n);
  const localOf = new Int32Array(n);
  if (starts.length === 1) {
    const total = table.numRows;
    for (let j = 0; j < n; j++) {
      const i = indices[j];
      if (!(i >= 0 && i < total)) throw new RangeError(`row index ${i} is outside 0..${total - 1}`);
      localOf[j] = i;
    }
  } else {
    const locate = locator(starts, table.numRows);
    for (let j = 0; j < n; j++) {
      const i = indices[j];
      const c = locate(i);
      chunkOf[j] = c;
      localOf[j] = i - starts[c];
    }
  }
  const children = table.schema.fields.map((field, col) => {
    const chunks = table.batches.map((b) => b.data.children[col]);
    try {
      return takeData(chunks, chunkOf, localOf);
    } catch (err) {
      if (err instanceof UsageError) throw new UsageError(`column "${field.name}": ${err.message}`);
      throw err;
    }
  });
  const data = makeData({ type: new Struct(table.schema.fields), length: n, nullCount: 0, children });
  return new RecordBatch(table.schema, data);
}

function chunkStarts(table: Table): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const b of table.batches) {
    starts.push(at);
    at += b.numRows;
  }
  return starts;
}

/** index -> chunk, fast for ascending runs (the common case), binary search otherwise. */
function locator(starts: number[], total: number): (i: number) => number {
  let c = 0;
  return (i: number) => {
    if (!(i >= 0 && i < total)) throw new RangeError(`row index ${i} is outside 0..${total - 1}`);
    const end = (k: number) => (k + 1 < starts.length ? starts[k + 1] : total);
    if (i >= starts[c] && i < end(c)) return c;
    if (c + 1 < starts.length && i >= starts[c + 1] && i < end(c + 1)) return ++c;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    c = lo;
    return c;
  };
}

type AnyData = Data<DataType>;

function takeData(chunks: AnyData[], chunkOf: Int32Array, localOf: Int32Array): AnyData {
  const n = chunkOf.length;
  const type = chunks[0]?.type;
  if (!type) throw new UsageError('table has no record batches');
  const { bitmap, nullCount } = takeValidity(chunks, chunkOf, localOf);
  if (DataType.isUtf8(type) || DataType.isBinary(type)) {
    return takeVarBinary(chunks, chunkOf, localOf, type, bitmap, nullCount);
  }
  if (DataType.isBool(type)) {
    const out = new Uint8Array((n + 7) >> 3);
    for (let j = 0; j < n; j++) {
      const d = chunks[chunkOf[j]];
      const bit = d.offset + localOf[j];
      if ((d.values as Uint8Array)[bit >> 3] & (1 << (bit & 7))) out[j >> 3] |= 1 << (j & 7);
    }
    return makeData({ type, length: n, nullCount, nullBitmap: bitmap, data: out } as never);
  }
  if (DataType.isDictionary(type)) {
    const dict = chunks[0].dictionary;
    if (chunks.some((d) => d.dictionary !== dict)) {
      throw new UsageError('dictionary column with a different dictionary per batch is not supported');
    }
    const data = takeFixed(chunks, chunkOf, localOf, 1);
    return makeData({ type, length: n, nullCount, nullBitmap: bitmap, data, dictionary: dict } as never);
  }
  if (
    DataType.isInt(type) || DataType.isFloat(type) || DataType.isDate(type) || DataType.isTimestamp(type) ||
    DataType.isTime(type) || DataType.isDecimal(type) || DataType.isFixedSizeBinary(type) ||
    DataType.isInterval(type) || DataType.isDuration(type)
  ) {
    const data = takeFixed(chunks, chunkOf, localOf, chunks[0].stride);
    return makeData({ type, length: n, nullCount, nullBitmap: bitmap, data } as never);
  }
  throw new UsageError(`type ${String(type)} is not supported in snapshot shards`);
}

type Typed = Exclude<AnyData['values'], undefined> & { length: number; [i: number]: number | bigint };

function takeFixed(chunks: AnyData[], chunkOf: Int32Array, localOf: Int32Array, stride: number): Typed {
  const n = chunkOf.length;
  const vals = chunks.map((d) => d.values as unknown as Typed);
  const Ctor = vals[0].constructor as new (len: number) => Typed;
  const out = new Ctor(n * stride);
  if (stride === 1 && vals.length === 1) {
    const v = vals[0];
    for (let j = 0; j < n; j++) out[j] = v[localOf[j]];
    return out;
  }
  for (let j = 0; j < n; j++) {
    const v = vals[chunkOf[j]];
    const s = localOf[j] * stride;
    for (let k = 0; k < stride; k++) out[j * stride + k] = v[s + k];
  }
  return out;
}

function takeVarBinary(
  chunks: AnyData[], chunkOf: Int32Array, localOf: Int32Array, type: DataType, bitmap: Uint8Array | undefined, nullCount: number,
): AnyData {
  const n = chunkOf.length;
  const offs = chunks.map((d) => d.valueOffsets as Int32Array);
  const srcs = chunks.map((d) => d.values as Uint8Array);
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let j = 0; j < n; j++) {
    const off = offs[chunkOf[j]];
    const i = localOf[j];
    total += off[i + 1] - off[i];
    if (total > 0x7fffffff) throw new UsageError('string column exceeds 2 GiB in one shard: use more buckets');
    offsets[j + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let j = 0; j < n; j++) {
    const c = chunkOf[j];
    const off = offs[c];
    const src = srcs[c];
    const i = localOf[j];
    const s = off[i];
    const len = off[i + 1] - s;
    const at = offsets[j];
    // short strings (ids, codes) copy faster by hand than through a subarray view
    if (len < 48) for (let k = 0; k < len; k++) bytes[at + k] = src[s + k];
    else bytes.set(src.subarray(s, s + len), at);
  }
  return makeData({ type, length: n, nullCount, nullBitmap: bitmap, valueOffsets: offsets, data: bytes } as never);
}

function takeValidity(
  chunks: AnyData[], chunkOf: Int32Array, localOf: Int32Array,
): { bitmap: Uint8Array | undefined; nullCount: number } {
  const counts = chunks.map((d) => d.nullCount);
  if (!counts.some((c) => c > 0)) return { bitmap: undefined, nullCount: 0 };
  // per chunk: its validity bitmap and bit offset, or null when every value is valid
  const maps = chunks.map((d, c) => (counts[c] > 0 && d.nullBitmap && d.nullBitmap.length > 0 ? d.nullBitmap : null));
  const offsets = chunks.map((d) => d.offset);
  const n = chunkOf.length;
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let j = 0; j < n; j++) {
    const c = chunkOf[j];
    const nb = maps[c];
    const bit = offsets[c] + localOf[j];
    if (nb === null || (nb[bit >> 3] & (1 << (bit & 7))) !== 0) bitmap[j >> 3] |= 1 << (j & 7);
    else nulls++;
  }
  return nulls ? { bitmap, nullCount: nulls } : { bitmap: undefined, nullCount: 0 };
}
