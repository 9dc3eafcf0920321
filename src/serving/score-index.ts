import { CorruptSnapshotError } from '../core/errors.ts';
import type { Chunk } from './columns.ts';
import { bytesEqual, hashKey, keyHash } from './key-hash.ts';

/**
 * The in-memory index of one snapshot: open addressing (linear probing) over the 64-bit key hash of
 * (track_id, market, surface), keys verified against the rows' own UTF-8 bytes. Memory per row is
 * one Int32 (`next`); per slot an Int32 head and a Uint32 tag; there is no JS object per row.
 *
 * Several campaigns may promote the same (track, market, surface): those rows form a chain ordered
 * best first — highest `boost`, then highest `score`, then `campaign_id` ascending — so the first
 * row of a lookup is the one a ranker applies, and the rest explain it.
 */
export interface ScoreRow {
  campaign_id: string;
  licensor_id: string;
  score: number;
  boost: number;
  share: number;
  upper: number;
  value: number;
  headroom: number;
  skip_upper: number;
  reason: number;
}

const EMPTY = -1;
const encoder = new TextEncoder();

/** Writes `s` as UTF-8 at `at`, returns the end; ASCII (the common case) without allocating. */
function encodeField(s: string, buf: Uint8Array, at: number): number {
  const n = s.length;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(k);
    if (c > 0x7f) return at - k + encoder.encodeInto(s, buf.subarray(at - k)).written;
    buf[at++] = c;
  }
  return at;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export class ScoreIndex {
  private readonly chunks: Chunk[] = [];
  private readonly chunkStarts: number[] = [];
  /**
   * One open-addressing table per track_id bucket (the snapshot's shard buckets). Slot k of a table:
   * [2k] first row id of the key (or EMPTY), [2k+1] the key's tag. A shard's rows all land in one
   * small table, so building stays in cache instead of missing into one huge random-access array.
   */
  private readonly tables: (Int32Array | null)[];
  private readonly masks: Int32Array;
  private readonly next: Int32Array;
  /** rows added so far: the global id the next added chunk must start at */
  rows = 0;
  /** distinct (track_id, market, surface) keys */
  keys = 0;
  readonly capacity: number;

  /**
   * An empty index for a snapshot of `buckets` buckets, sized by the rows the manifest announces per
   * bucket (buckets with none announced get no table: their keys are all misses).
   */
  constructor(readonly buckets: number, rowsPerBucket: ArrayLike<number>) {
    this.tables = new Array<Int32Array | null>(buckets).fill(null);
    this.masks = new Int32Array(buckets);
    let capacity = 0;
    for (let b = 0; b < buckets; b++) {
      const n = rowsPerBucket[b] ?? 0;
      capacity += n;
      if (n === 0) continue;
      // load factor <= 2/3: probe runs stay short, and a bucket's table stays small enough for cache
      const size = nextPow2(Math.max(8, Math.ceil(n * 1.5)));
      this.masks[b] = size - 1;
      this.tables[b] = new Int32Array(size * 2).fill(EMPTY);
    }
    this.capacity = capacity;
    this.next = new Int32Array(Math.max(1, capacity)).fill(EMPTY);
  }

  /**
   * Adds a shard's chunks (numbered from `this.rows`). Every row's track_id must hash to `bucket`:
   * a manifest that misfiles rows would make sharded serving miss them.
   */
  add(chunks: Chunk[], bucket: number): void {
    const slots = this.tables[bucket];
    if (!slots) throw new CorruptSnapshotError(`${chunks[0]?.shard ?? 'shard'}: rows for bucket ${bucket}, which the manifest gives no rows`);
    const mask = this.masks[bucket];
    const wrap = mask * 2 + 1;
    const buckets = this.buckets;
    for (const c of chunks) {
      if (c.start !== this.rows) throw new Error(`chunk of ${c.shard} starts at ${c.start}, expected ${this.rows}`);
      if (this.rows + c.length > this.capacity) {
        throw new CorruptSnapshotError(`${c.shard}: more rows than the manifest announces (${this.capacity})`);
      }
      this.chunks.push(c);
      this.chunkStarts.push(c.start);
      this.rows += c.length;
      const { track, market, surface } = c;
      for (let i = 0; i < c.length; i++) {
        hashKey(
          track.bytes, track.offsets[i], track.offsets[i + 1],
          market.bytes, market.offsets[i], market.offsets[i + 1],
          surface.bytes, surface.offsets[i], surface.offsets[i + 1],
        );
        if (keyHash.track % buckets !== bucket) {
          throw new CorruptSnapshotError(
            `${c.shard}: row ${i} (track_id ${this.text(c, 'track', i)}) hashes to bucket ` +
              `${keyHash.track % buckets}, but the manifest files it under bucket ${bucket}`,
          );
        }
        const row = c.start + i;
        const tag = keyHash.h2 | 0;
        let s = (keyHash.h1 & mask) << 1;
        for (;;) {
          const head = slots[s];
          if (head === EMPTY) {
            slots[s] = row;
            slots[s + 1] = tag;
            this.keys++;
            break;
          }
          if (slots[s + 1] === tag && this.sameKey(head, c, i)) {
            slots[s] = this.insertOrdered(head, row, c, i);
            break;
          }
          s = (s + 2) & wrap;
        }
      }
    }
  }

  private chunkOf(row: number): Chunk {
    const starts = this.chunkStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
    return this.chunks[lo];
  }

  private text(c: Chunk, col: 'track' | 'market' | 'surface' | 'campaign', i: number): string {
    const u = c[col];
    return Buffer.from(u.bytes.buffer, u.bytes.byteOffset, u.bytes.byteLength).toString('utf8', u.offsets[i], u.offsets[i + 1]);
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
      `${c.shard}: duplicate row for track_id ${this.text(c, 'track', i)}, market ${this.text(c, 'market', i)}, ` +
        `surface ${this.text(c, 'surface', i)}, campaign_id ${this.text(c, 'campaign', i)}`,
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

  private scratch = new Uint8Array(3 * 1024);

  /** The first row id for the key, or -1. Rows of the key follow through `nextRow`. */
  find(trackId: string, market: string, surface: string): number {
    const need = 3 * (trackId.length + market.length + surface.length);
    if (need > this.scratch.length) this.scratch = new Uint8Array(need * 2);
    const buf = this.scratch;
    const te = encodeField(trackId, buf, 0);
    const me = encodeField(market, buf, te);
    const se = encodeField(surface, buf, me);
    hashKey(buf, 0, te, buf, te, me, buf, me, se);
    const bucket = keyHash.track % this.buckets;
    const slots = this.tables[bucket];
    if (!slots) return EMPTY;
    const mask = this.masks[bucket];
    const wrap = mask * 2 + 1;
    const tag = keyHash.h2 | 0;
    let s = (keyHash.h1 & mask) << 1;
    for (;;) {
      const head = slots[s];
      if (head === EMPTY) return -1;
      if (slots[s + 1] === tag) {
        const h = this.chunkOf(head);
        const j = head - h.start;
        if (
          bytesEqual(h.track.bytes, h.track.offsets[j], h.track.offsets[j + 1], buf, 0, te) &&
          bytesEqual(h.market.bytes, h.market.offsets[j], h.market.offsets[j + 1], buf, te, me) &&
          bytesEqual(h.surface.bytes, h.surface.offsets[j], h.surface.offsets[j + 1], buf, me, se)
        ) {
          return head;
        }
      }
      s = (s + 2) & wrap;
    }
  }

  /** The row after `row` for the same key (worse), or -1. */
  nextRow(row: number): number {
    return this.next[row];
  }

  // Accessors for an allocation-free hot path: `find`, then read the columns a ranker needs.
  boostOf(row: number): number {
    const c = this.chunkOf(row);
    return c.boost[row - c.start];
  }

  scoreOf(row: number): number {
    const c = this.chunkOf(row);
    return c.score[row - c.start];
  }

  reasonOf(row: number): number {
    const c = this.chunkOf(row);
    return c.reason[row - c.start];
  }

  row(row: number): ScoreRow {
    const c = this.chunkOf(row);
    const i = row - c.start;
    return {
      campaign_id: c.campaignText.toString('utf8', c.campaign.offsets[i], c.campaign.offsets[i + 1]),
      licensor_id: c.licensorText.toString('utf8', c.licensor.offsets[i], c.licensor.offsets[i + 1]),
      score: c.score[i],
      boost: c.boost[i],
      share: c.share[i],
      upper: c.upper[i],
      value: c.value[i],
      headroom: c.headroom[i],
      skip_upper: c.skipUpper[i],
      reason: c.reason[i],
    };
  }

  /** Every campaign row of the key, best first; null when the snapshot has no row for it. */
  lookup(trackId: string, market: string, surface: string): ScoreRow[] | null {
    let r = this.find(trackId, market, surface);
    if (r === EMPTY) return null;
    const out: ScoreRow[] = [];
    while (r !== EMPTY) {
      out.push(this.row(r));
      r = this.next[r];
    }
    return out;
  }
}
