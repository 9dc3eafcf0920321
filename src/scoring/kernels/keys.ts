/**
 * String key columns turned into dense integer ids without decoding every row: utf8 bytes are
 * hashed in place and only the first occurrence of each distinct value is decoded.
 */
import { DataType, type Vector } from 'apache-arrow';
import { fmix32, fnv1a32 } from '../../core/hash.ts';

export interface Interned {
  /** per row, an id in [0, values.length), in order of first appearance */
  ids: Int32Array;
  values: string[];
}

const decoder = new TextDecoder();

export function intern(v: Vector): Interned {
  const ids = new Int32Array(v.length);
  const values: string[] = [];
  if (!DataType.isUtf8(v.type)) {
    const map = new Map<string, number>();
    for (let i = 0; i < v.length; i++) {
      const s = String(v.get(i));
      let id = map.get(s);
      if (id === undefined) {
        id = values.length;
        values.push(s);
        map.set(s, id);
      }
      ids[i] = id;
    }
    return { ids, values };
  }
  // hash -> ids with that hash (collisions resolved by comparing bytes)
  const byHash = new Map<number, number[]>();
  const bytesOf: Uint8Array[] = [];
  let row = 0;
  for (const data of v.data) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    let prevStart = -1;
    let prevEnd = -1;
    let prevId = -1;
    for (let i = 0; i < data.length; i++, row++) {
      const start = offsets[i];
      const end = offsets[i + 1];
      // Sorted keys come in runs: compare with the previous row first.
      if (prevId >= 0 && end - start === prevEnd - prevStart && sameBytes(bytes, start, bytes, prevStart, end - start)) {
        ids[row] = prevId;
        prevStart = start;
        prevEnd = end;
        continue;
      }
      const h = fnv1a32(bytes, start, end);
      let bucket = byHash.get(h);
      let id = -1;
      if (bucket) {
        for (const cand of bucket) {
          const b = bytesOf[cand];
          if (b.length === end - start && sameBytes(bytes, start, b, 0, b.length)) {
            id = cand;
            break;
          }
        }
      } else {
        bucket = [];
        byHash.set(h, bucket);
      }
      if (id < 0) {
        id = values.length;
        const copy = bytes.slice(start, end);
        bytesOf.push(copy);
        values.push(decoder.decode(copy));
        bucket.push(id);
      }
      ids[row] = id;
      prevId = id;
      prevStart = start;
      prevEnd = end;
    }
  }
  return { ids, values };
}

function sameBytes(a: Uint8Array, ai: number, b: Uint8Array, bi: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (a[ai + k] !== b[bi + k]) return false;
  return true;
}

/**
 * A 32-bit hash per row of the concatenated key columns, started from a hash of the seed: the
 * source of deterministic per-row draws (same seed and key, same draw, whatever the row order).
 */
export function rowKeyHashes(columns: Vector[], seed: string): Uint32Array {
  const n = columns[0]?.length ?? 0;
  const out = new Uint32Array(n);
  out.fill(fnv1a32(new TextEncoder().encode(seed)));
  const enc = new TextEncoder();
  for (const v of columns) {
    if (!DataType.isUtf8(v.type)) {
      for (let i = 0; i < n; i++) out[i] = mixBytes(out[i], enc.encode(String(v.get(i))), 0, -1);
      continue;
    }
    let row = 0;
    for (const data of v.data) {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      for (let i = 0; i < data.length; i++, row++) out[row] = mixBytes(out[row], bytes, offsets[i], offsets[i + 1]);
    }
  }
  return out;
}

/** FNV-1a continued over bytes[start, end) (end -1: to the end), then a 0xff separator. */
function mixBytes(h: number, bytes: Uint8Array, start: number, end: number): number {
  const stop = end < 0 ? bytes.length : end;
  for (let i = start; i < stop; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  h ^= 0xff;
  return Math.imul(h, 0x01000193) >>> 0;
}

/** Two independent uniforms in (0, 1) from a 32-bit hash (a splitmix-style finalizer). */
export function uniformPair(h: number): [number, number] {
  return [(fmix32(h) + 0.5) / 4294967296, (fmix32(h ^ 0x9e3779b9) + 0.5) / 4294967296];
}

/** A standard normal draw from a row hash (Box-Muller). */
export function normalFromHash(h: number): number {
  const [u1, u2] = uniformPair(h);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
