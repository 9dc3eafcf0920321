import { fmix32 } from '../core/hash.ts';

/**
 * The serving key is (track_id, market, surface), hashed straight from UTF-8 bytes so the index never
 * decodes a string per row. One pass gives both numbers the index needs:
 * - `track`: FNV-1a of the track_id bytes, equal to `fnv1a32` in core/hash.ts (the writer's shard
 *   bucket function, so the index checks every row's bucket for free);
 * - `h`: that state continued over the market and surface bytes four at a time (a multiply per word),
 *   then murmur3's finalizer. Its low bits pick the slot; all 32 bits are the slot's tag, which
 *   rejects almost every other key in the probe run before any byte is compared.
 * The market and surface lengths are mixed in, which keeps ("ab","c") and ("a","bc") apart.
 */
export const keyHash = { h: 0, track: 0 };

const M = 0x9e3779b1;

/** Hashes three byte ranges (which may live in different buffers) into `keyHash`. */
export function hashKey(
  tb: Uint8Array, ts: number, te: number,
  mb: Uint8Array, ms: number, me: number,
  sb: Uint8Array, ss: number, se: number,
): void {
  let h = 0x811c9dc5;
  for (let i = ts; i < te; i++) h = Math.imul(h ^ tb[i], 0x01000193);
  keyHash.track = h >>> 0;
  h = Math.imul(h ^ ((me - ms) | ((se - ss) << 16)), M);
  let i = ms;
  for (; i + 4 <= me; i += 4) {
    h = Math.imul(h ^ (mb[i] | (mb[i + 1] << 8) | (mb[i + 2] << 16) | (mb[i + 3] << 24)), M);
    h = (h << 13) | (h >>> 19);
  }
  let w = 0;
  for (let k = 0; i < me; i++, k += 8) w |= mb[i] << k;
  h = Math.imul(h ^ w, M);
  h = (h << 13) | (h >>> 19);
  i = ss;
  for (; i + 4 <= se; i += 4) {
    h = Math.imul(h ^ (sb[i] | (sb[i + 1] << 8) | (sb[i + 2] << 16) | (sb[i + 3] << 24)), M);
    h = (h << 13) | (h >>> 19);
  }
  w = 0;
  for (let k = 0; i < se; i++, k += 8) w |= sb[i] << k;
  h = Math.imul(h ^ w, M);
  keyHash.h = fmix32(h);
}

export function bytesEqual(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): boolean {
  const n = ae - as;
  if (n !== be - bs) return false;
  for (let i = 0; i < n; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}
