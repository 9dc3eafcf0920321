import { createHash } from 'node:crypto';
import { crc32c as crc32cNative } from '@node-rs/crc32';

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** CRC32C as an unsigned integer. */
export function crc32c(data: Uint8Array): number {
  return crc32cNative(Buffer.from(data.buffer, data.byteOffset, data.byteLength)) >>> 0;
}

/** CRC32C in GCS's encoding: base64 of the 4 big-endian bytes. */
export function crc32cBase64(data: Uint8Array): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32c(data));
  return b.toString('base64');
}

/**
 * Stable 32-bit FNV-1a over UTF-8 bytes. Used for shard buckets of track_id: it must never
 * change, because serving fleets pick their share of buckets by it.
 */
export function fnv1a32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's 32-bit finalizer: spreads every input bit over the whole word. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const encoder = new TextEncoder();
export function bucketOf(trackId: string, buckets: number): number {
  return fnv1a32(encoder.encode(trackId)) % buckets;
}

/** Canonical JSON (sorted keys, no whitespace): the input of every content hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}
/** A deep copy with object keys in sorted order (arrays keep theirs). */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}
