import { DataType, makeData, RecordBatch, Struct, type Data, type Table } from 'apache-arrow';
import { UsageError } from '../core/errors.ts';

type AnyData = Data<DataType>;
type Typed = { length: number; [i: number]: number | bigint; constructor: unknown };

/**
 * Splits a table's rows into parts by a part number per row, column by column, in one sequential
 * pass over each column (reads in order, one write cursor per part): the cache-friendly way to
 * bucket a large table. Rows keep their table order within a part; no JS object is made per row.
 * Returns one record batch per part (empty parts get an empty batch).
 */
export function partitionRows(table: Table, partOfRow: Int32Array, parts: number): RecordBatch[] {
  if (partOfRow.length !== table.numRows) throw new RangeError(`partOfRow has ${partOfRow.length} entries for ${table.numRows} rows`);
  const counts = new Int32Array(parts);
  for (let r = 0; r < partOfRow.length; r++) counts[partOfRow[r]]++;
  const columns = table.schema.fields.map((field, col) => {
    const chunks = table.batches.map((b) => b.data.children[col] as AnyData);
    try {
      return partitionColumn(field.type as DataType, chunks, partOfRow, counts);
    } catch (err) {
      if (err instanceof UsageError) throw new UsageError(`column "${field.name}": ${err.message}`);
      throw err;
    }
  });
  const type = new Struct(table.schema.fields);
  return Array.from(counts, (n, p) =>
    new RecordBatch(table.schema, makeData({ type, length: n, nullCount: 0, children: columns.map((c) => c[p]) })),
  );
}

function partitionColumn(type: DataType, chunks: AnyData[], partOf: Int32Array, counts: Int32Array): AnyData[] {
  const validity = partitionValidity(chunks, partOf, counts);
  const make = (p: number, props: Record<string, unknown>) =>
    makeData({ type, length: counts[p], nullCount: validity.nulls[p], nullBitmap: validity.maps?.[p], ...props } as never) as AnyData;
  if (DataType.isUtf8(type) || DataType.isBinary(type)) {
    const { offsets, bytes } = partitionVarBinary(chunks, partOf, counts);
    return Array.from(counts, (_, p) => make(p, { valueOffsets: offsets[p], data: bytes[p] }));
  }
  if (DataType.isBool(type)) {
    const bits = partitionBits(chunks, partOf, counts);
    return Array.from(counts, (_, p) => make(p, { data: bits[p] }));
  }
  if (DataType.isDictionary(type)) {
    const dict = chunks[0]?.dictionary;
    if (!dict) throw new UsageError('dictionary column without a dictionary');
    if (chunks.some((d) => d.dictionary !== dict)) throw new UsageError('dictionary column with a different dictionary per batch is not supported');
    const data = partitionFixed((type as unknown as { indices: DataType }).indices, chunks, partOf, counts, 1);
    return Array.from(counts, (_, p) => make(p, { data: data[p], dictionary: dict }));
  }
  if (
    DataType.isInt(type) || DataType.isFloat(type) || DataType.isDate(type) || DataType.isTimestamp(type) ||
    DataType.isTime(type) || DataType.isDecimal(type) || DataType.isFixedSizeBinary(type) ||
    DataType.isInterval(type) || DataType.isDuration(type)
  ) {
    const data = partitionFixed(type, chunks, partOf, counts, chunks[0]?.stride ?? 1);
    return Array.from(counts, (_, p) => make(p, { data: data[p] }));
  }
  throw new UsageError(`type ${String(type)} is not supported in snapshot shards`);
}

function partitionFixed(type: DataType, chunks: AnyData[], partOf: Int32Array, counts: Int32Array, stride: number): Typed[] {
  // the chunks' own array class (e.g. BigInt64Array for 64-bit ints), or the type's when there are none
  const Ctor = ((chunks[0]?.values as unknown as Typed | undefined)?.constructor ?? (type as unknown as { ArrayType: unknown }).ArrayType) as new (
    n: number,
  ) => Typed;
  const outs = Array.from(counts, (n) => new Ctor(n * stride));
  const cur = new Int32Array(counts.length);
  let row = 0;
  for (const d of chunks) {
    const v = d.values as unknown as Typed;
    const n = d.length;
    if (stride === 1) {
      for (let i = 0; i < n; i++, row++) {
        const p = partOf[row];
        outs[p][cur[p]++] = v[i];
      }
    } else {
      for (let i = 0; i < n; i++, row++) {
        const p = partOf[row];
        const at = cur[p]++ * stride;
        const o = outs[p];
        for (let k = 0; k < stride; k++) o[at + k] = v[i * stride + k];
      }
    }
  }
  return outs;
}

function partitionVarBinary(chunks: AnyData[], partOf: Int32Array, counts: Int32Array): { offsets: Int32Array[]; bytes: Uint8Array[] } {
  const parts = counts.length;
  const size = new Float64Array(parts);
  let row = 0;
  for (const d of chunks) {
    const off = d.valueOffsets as Int32Array;
    for (let i = 0; i < d.length; i++, row++) size[partOf[row]] += off[i + 1] - off[i];
  }
  for (let p = 0; p < parts; p++) {
    if (size[p] > 0x7fffffff) throw new UsageError('string column exceeds 2 GiB in one shard: use more buckets');
  }
  const offsets = Array.from(counts, (n) => new Int32Array(n + 1));
  const bytes = Array.from(size, (n) => new Uint8Array(n));
  const cur = new Int32Array(parts);
  const at = new Int32Array(parts);
  row = 0;
  for (const d of chunks) {
    const off = d.valueOffsets as Int32Array;
    const src = d.values as Uint8Array;
    for (let i = 0; i < d.length; i++, row++) {
      const p = partOf[row];
      const s = off[i];
      const len = off[i + 1] - s;
      const dst = bytes[p];
      const a = at[p];
      // short strings (ids, codes) copy faster by hand than through a subarray view
      if (len < 48) for (let k = 0; k < len; k++) dst[a + k] = src[s + k];
      else dst.set(src.subarray(s, s + len), a);
      at[p] = a + len;
      offsets[p][++cur[p]] = a + len;
    }
  }
  return { offsets, bytes };
}

function partitionBits(chunks: AnyData[], partOf: Int32Array, counts: Int32Array): Uint8Array[] {
  const outs = Array.from(counts, (n) => new Uint8Array((n + 7) >> 3));
  const cur = new Int32Array(counts.length);
  let row = 0;
  for (const d of chunks) {
    const v = d.values as Uint8Array;
    for (let i = 0; i < d.length; i++, row++) {
      const p = partOf[row];
      const j = cur[p]++;
      const bit = d.offset + i;
      if (v[bit >> 3] & (1 << (bit & 7))) outs[p][j >> 3] |= 1 << (j & 7);
    }
  }
  return outs;
}

function partitionValidity(
  chunks: AnyData[], partOf: Int32Array, counts: Int32Array,
): { maps: Uint8Array[] | null; nulls: Int32Array } {
  const nulls = new Int32Array(counts.length);
  const chunkNulls = chunks.map((d) => d.nullCount);
  if (!chunkNulls.some((c) => c > 0)) return { maps: null, nulls };
  const maps = Array.from(counts, (n) => new Uint8Array((n + 7) >> 3));
  const cur = new Int32Array(counts.length);
  let row = 0;
  chunks.forEach((d, c) => {
    const nb = chunkNulls[c] > 0 && d.nullBitmap && d.nullBitmap.length > 0 ? d.nullBitmap : null;
    for (let i = 0; i < d.length; i++, row++) {
      const p = partOf[row];
      const j = cur[p]++;
      const bit = d.offset + i;
      if (nb === null || (nb[bit >> 3] & (1 << (bit & 7))) !== 0) maps[p][j >> 3] |= 1 << (j & 7);
      else nulls[p]++;
    }
  });
  // a part without nulls carries no bitmap, as a fresh column would
  return { maps: maps.map((m, p) => (nulls[p] ? m : (undefined as unknown as Uint8Array))), nulls };
}
