import { DataType, type Data, type Vector } from 'apache-arrow';
import { fnv1a32 } from '../core/hash.ts';

/**
 * A string column seen as raw UTF-8 bytes: `values[starts[i]..ends[i])` is row i. Plain single-chunk
 * utf8 columns are viewed without copying; dictionary-encoded or multi-chunk columns are resolved
 * once into start/end arrays. Gates hash and compare these bytes instead of decoding a JS string
 * per row.
 */
export interface Utf8Column {
  name: string;
  length: number;
  values: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  /** 1 = valid; null when the column has no nulls */
  valid: Uint8Array | null;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export function utf8Column(vector: Vector, name: string): Utf8Column {
  const chunks = vector.data as Data[];
  const length = vector.length;
  if (chunks.length === 1 && isPlainUtf8(chunks[0].type) && chunks[0].valueOffsets instanceof Int32Array) {
    const d = chunks[0];
    const offs = d.valueOffsets as Int32Array;
    return {
      name,
      length,
      values: d.values as Uint8Array,
      starts: offs.subarray(0, length),
      ends: offs.subarray(1, length + 1),
      valid: validity(d),
    };
  }
  // General case: one values buffer holding every chunk's (or dictionary's) bytes.
  const parts: Uint8Array[] = [];
  let total = 0;
  const starts = new Int32Array(length);
  const ends = new Int32Array(length);
  let valid: Uint8Array | null = null;
  let row = 0;
  for (const d of chunks) {
    const v = validity(d);
    if (v) {
      valid ??= new Uint8Array(length).fill(1);
      valid.set(v, row);
    }
    if (DataType.isDictionary(d.type)) {
      const dict = d.dictionary!;
      const inner = utf8Column(dict, name);
      const base = total;
      parts.push(inner.values);
      total += inner.values.byteLength;
      const idx = d.values as ArrayLike<number | bigint>;
      for (let i = 0; i < d.length; i++) {
        if (v && !v[i]) continue;
        const k = Number(idx[i]);
        starts[row + i] = base + inner.starts[k];
        ends[row + i] = base + inner.ends[k];
      }
    } else if (isPlainUtf8(d.type)) {
      const offs = d.valueOffsets as ArrayLike<number | bigint>;
      const first = Number(offs[0]);
      const last = Number(offs[d.length]);
      const vals = (d.values as Uint8Array).subarray(first, last);
      const base = total - first;
      parts.push(vals);
      total += vals.byteLength;
      for (let i = 0; i < d.length; i++) {
        starts[row + i] = base + Number(offs[i]);
        ends[row + i] = base + Number(offs[i + 1]);
      }
    } else {
      throw new TypeError(`column ${name} has type ${String(d.type)}, not a string`);
    }
    row += d.length;
  }
  const values = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    values.set(p, at);
    at += p.byteLength;
  }
  return { name, length, values, starts, ends, valid };
}

export function isStringType(type: DataType): boolean {
  return isPlainUtf8(type) || (DataType.isDictionary(type) && isPlainUtf8(type.dictionary));
}

function isPlainUtf8(type: DataType): boolean {
  return DataType.isUtf8(type) || DataType.isLargeUtf8(type);
}

/** Per-row validity (1 = valid) of one chunk, or null when it has no nulls. */
export function validity(d: Data): Uint8Array | null {
  if (!d.nullCount || !d.nullBitmap || d.nullBitmap.byteLength === 0) return null;
  const out = new Uint8Array(d.length);
  const bm = d.nullBitmap;
  const off = d.offset;
  for (let i = 0; i < d.length; i++) {
    const b = off + i;
    out[i] = (bm[b >>> 3] >>> (b & 7)) & 1;
  }
  return out;
}

export function isValidAt(col: Utf8Column, i: number): boolean {
  return col.valid === null || col.valid[i] === 1;
}

export function hashAt(col: Utf8Column, i: number): number {
  return fnv1a32(col.values, col.starts[i], col.ends[i]);
}

export function textAt(col: Utf8Column, i: number): string | null {
  if (!isValidAt(col, i)) return null;
  return decoder.decode(col.values.subarray(col.starts[i], col.ends[i]));
}

export function equalsBytes(col: Utf8Column, i: number, key: Uint8Array): boolean {
  const s = col.starts[i];
  const n = col.ends[i] - s;
  if (n !== key.byteLength) return false;
  const v = col.values;
  for (let k = 0; k < n; k++) if (v[s + k] !== key[k]) return false;
  return true;
}

export function equalsRows(a: Utf8Column, i: number, b: Utf8Column, j: number): boolean {
  const si = a.starts[i];
  const n = a.ends[i] - si;
  const sj = b.starts[j];
  if (n !== b.ends[j] - sj) return false;
  for (let k = 0; k < n; k++) if (a.values[si + k] !== b.values[sj + k]) return false;
  return true;
}
