import { CorruptSnapshotError } from '../core/errors.ts';
import type { Chunk } from './columns.ts';
import { bytesEqual, hashKey, keyHash } from './key-hash.ts';

/**
 * Building one bucket's open-addressing table (linear probing over the key hash; keys verified
 * against the rows' own UTF-8 bytes). The same code runs on the load workers, one bucket per worker,
 * writing into SharedArrayBuffer-backed arrays, and on the main thread when no worker is available.
 *
 * Table layout, slot k: [2k] the first row id of the key (or EMPTY), [2k+1] the key's hash (a tag).
 * Several campaigns may promote one key: its rows form a chain through `next` (one Int32 per row of
 * the whole snapshot), best first — highest `boost`, then highest `score`, then `campaign_id`
 * ascending. That order is total (a duplicate campaign is corrupt), so the chains do not depend on
 * the order the bucket's files arrive in.
 */
export const EMPTY = -1;

/** Slots for a bucket of `rows` rows: a power of two at load factor <= 2/3 (short probe runs). */
export function tableSlots(rows: number): number {
  let p = 8;
  while (p < rows * 1.5) p *= 2;
  return p;
}

export class BucketBuilder {
  /** the bucket's chunks so far, ordered by `start` (few: one per record batch of its files) */
  private readonly chunks: Chunk[] = [];
  private readonly mask: number;
  keys = 0;

  readonly bucket: number;
  readonly buckets: number;
  private readonly slots: Int32Array;
  private readonly next: Int32Array;

  /**
   * `slots` holds 2 * tableSlots(rows) Int32 (the builder clears it); `next` spans the whole
   * snapshot, and this builder writes only the entries of rows it is given.
   */
  constructor(
    bucket: number,
    buckets: number,
    slots: Int32Array,
    next: Int32Array,
  ) {
    this.bucket = bucket;
    this.buckets = buckets;
    this.slots = slots;
    this.next = next;
    this.mask = (slots.length >>> 1) - 1;
    slots.fill(EMPTY);
  }

  /**
   * Adds one file's chunks (global row ids from `chunk.start`). Every row's track_id must hash to
   * this bucket: a manifest that misfiles rows would make sharded serving miss them.
   */
  add(chunks: Chunk[]): void {
    const { slots, next, buckets, bucket, mask } = this;
    const wrap = mask * 2 + 1;
    for (const c of chunks) {
      let at = this.chunks.length;
      while (at > 0 && this.chunks[at - 1].start > c.start) at--;
      this.chunks.splice(at, 0, c);
      next.fill(EMPTY, c.start, c.start + c.length);
      const { track, market, surface } = c;
      const tb = track.bytes, to = track.offsets;
      const mb = market.bytes, mo = market.offsets;
      const sb = surface.bytes, so = surface.offsets;
      let keys = 0;
      for (let i = 0; i < c.length; i++) {
        hashKey(tb, to[i], to[i + 1], mb, mo[i], mo[i + 1], sb, so[i], so[i + 1]);
        if (keyHash.track % buckets !== bucket) {
          throw new CorruptSnapshotError(
            `${c.shard}: row ${i} (track_id ${text(c, 'track', i)}) hashes to bucket ${keyHash.track % buckets}, but the manifest files it under bucket ${bucket}`,
          );
        }
        const row = c.start + i;
        const tag = keyHash.h | 0;
        let s = (tag & mask) << 1;
        for (;;) {
          const head = slots[s];
          if (head === EMPTY) {
            slots[s] = row;
            slots[s + 1] = tag;
            keys++;
            break;
          }
          if (slots[s + 1] === tag && this.sameKey(head, c, i)) {
            slots[s] = this.insertOrdered(head, row, c, i);
            break;
          }
          s = (s + 2) & wrap;
        }
      }
      this.keys += keys;
    }
  }

  private chunkOf(row: number): Chunk {
    const cs = this.chunks;
    let k = cs.length - 1;
    while (cs[k].start > row) k--;
    return cs[k];
  }

  private sameKey(row: number, c: Chunk, i: number): boolean {
    const h = this.chunkOf(row);
    const j = row - h.start;
    return (
      bytesEqual(h.track.bytes, h.track.offsets[j], h.track.offsets[j + 1], c.track.bytes, c.track.offsets[i], c.track.offsets[i + 1]) &&
      bytesEqual(h.market.bytes, h.market.offsets[j], h.market.offsets[j + 1], c.market.bytes, c.market.offsets[i], c.market.offsets[i + 1]) &&
      bytesEqual(h.surface.bytes, h.surface.offsets[j], h.surface.offsets[j + 1], c.surface.bytes, c.surface.offsets[i], c.surface.offsets[i + 1])
    );
  }

  /** -1 when row (a) ranks before (c,i), 1 after; a duplicate campaign for one key is corrupt. */
  private compare(a: number, c: Chunk, i: number): number {
    const h = this.chunkOf(a);
    const j = a - h.start;
    if (h.boost[j] !== c.boost[i]) return h.boost[j] > c.boost[i] ? -1 : 1;
    if (h.score[j] !== c.score[i]) return h.score[j] > c.score[i] ? -1 : 1;
    const ab = h.campaign.bytes, as = h.campaign.offsets[j], ae = h.campaign.offsets[j + 1];
    const bb = c.campaign.bytes, bs = c.campaign.offsets[i], be = c.campaign.offsets[i + 1];
    const n = Math.min(ae - as, be - bs);
    for (let k = 0; k < n; k++) if (ab[as + k] !== bb[bs + k]) return ab[as + k] < bb[bs + k] ? -1 : 1;
    if (ae - as !== be - bs) return ae - as < be - bs ? -1 : 1;
    throw new CorruptSnapshotError(
      `${c.shard}: duplicate row for track_id ${text(c, 'track', i)}, market ${text(c, 'market', i)}, ` +
        `surface ${text(c, 'surface', i)}, campaign_id ${text(c, 'campaign', i)}`,
    );
  }

  /** Inserts `row` into the chain starting at `head`; returns the new head. */
  private insertOrdered(head: number, row: number, c: Chunk, i: number): number {
    const next = this.next;
    if (this.compare(head, c, i) > 0) {
      next[row] = head;
      return row;
    }
    let prev = head;
    while (next[prev] !== EMPTY && this.compare(next[prev], c, i) < 0) prev = next[prev];
    next[row] = next[prev];
    next[prev] = row;
    return head;
  }
}

function text(c: Chunk, col: 'track' | 'market' | 'surface' | 'campaign', i: number): string {
  const u = c[col];
  return Buffer.from(u.bytes.buffer, u.bytes.byteOffset, u.bytes.byteLength).toString('utf8', u.offsets[i], u.offsets[i + 1]);
}
