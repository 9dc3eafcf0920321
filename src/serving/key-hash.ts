/**
 * The serving key is (track_id, market, surface), hashed straight from UTF-8 bytes so the index never
 * decodes a string per row. Two 32-bit hashes are computed in one pass:
 * - `h1`, FNV-1a: after the track_id bytes it equals `fnv1a32(track_id)` from core/hash.ts, so the
 *   same pass yields the shard bucket (checked against the manifest); the full h1 picks the slot;
 * - `h2`, a multiply-xorshift hash with another seed: a tag stored per slot that rejects almost every
 *   foreign key before the bytes are compared (the pair acts as a 64-bit hash).
 * A 0x1f separator between fields keeps ("ab","c") and ("a","bc") apart.
 */
export const keyHash = { h1: 0, h2: 0, track: 0 };

const SEP = 0x1f;

/** Hashes three byte ranges (which may live in different buffers) into `keyHash`. */
export function hashKey(
  tb: Uint8Array, ts: number, te: number,
  mb: Uint8Array, ms: number, me: number,
  sb: Uint8Array, ss: number, se: number,
): void {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = ts; i < te; i++) {
    const b = tb[i];
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 ^ b, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  keyHash.track = h1 >>> 0;
  h1 = Math.imul(h1 ^ SEP, 0x01000193);
  h2 = Math.imul(h2 ^ SEP, 0x5bd1e995);
  for (let i = ms; i < me; i++) {
    const b = mb[i];
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 ^ b, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 = Math.imul(h1 ^ SEP, 0x01000193);
  h2 = Math.imul(h2 ^ SEP, 0x5bd1e995);
  for (let i = ss; i < se; i++) {
    const b = sb[i];
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 ^ b, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  keyHash.h1 = fmix32(h1);
  keyHash.h2 = fmix32(h2 ^ 0x85ebca6b);
}

/** murmur3's finalizer: spreads FNV's weak low bits before masking to a slot. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function bytesEqual(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): boolean {
  const n = ae - as;
  if (n !== be - bs) return false;
  for (let i = 0; i < n; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}
