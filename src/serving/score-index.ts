import type { Chunk } from './columns.ts';
import { EMPTY } from './index-build.ts';
import { bytesEqual, hashKey, keyHash } from './key-hash.ts';

/**
 * The in-memory index of one snapshot, read-only once built (index-build.ts builds it): one
 * open-addressing table per track_id bucket over the key hash of (track_id, market, surface), keys
 * verified against the rows' own UTF-8 bytes, and a chain per key through `next`, best campaign
 * first. Memory per row is one Int32 (`next`); per slot an Int32 head and the key's Int32 hash as a tag; there is no
 * JS object per row.
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
  /** the probability of `boost` under the holdout design: log it with every impression (docs/snapshots.md, "Propensity") */
  propensity: number;
}

const encoder = new TextEncoder();
const BLOCK_BITS = 12;

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

/**
 * Decoded strings of a low-cardinality column (campaign and licensor ids repeat across millions of
 * rows), direct-mapped by a hash of their bytes: a hit costs a hash and a compare of a few bytes
 * instead of a native decode and a new string. Only ASCII strings are kept (one char per byte, so
 * the compare is exact); anything else is decoded every time.
 */
class TextCache {
  private readonly strs: string[];
  private readonly hashes: Int32Array;
  private readonly mask: number;

  constructor(size: number) {
    this.strs = new Array<string>(size).fill('');
    this.hashes = new Int32Array(size);
    this.mask = size - 1;
  }

  get(buf: Buffer, s: number, e: number): string {
    const n = e - s;
    let h = 0x811c9dc5 ^ n;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    const k = (h ^ (h >>> 16)) & this.mask;
    const c = this.strs[k];
    if (this.hashes[k] === h && c.length === n) {
      let i = 0;
      while (i < n && c.charCodeAt(i) === buf[s + i]) i++;
      if (i === n) return c;
    }
    const str = buf.toString('utf8', s, e);
    if (str.length === n) {
      this.strs[k] = str;
      this.hashes[k] = h;
    }
    return str;
  }
}

export class ScoreIndex {
  private readonly chunks: Chunk[];
  private readonly chunkStarts: Int32Array;
  /** for each block of 2^BLOCK_BITS row ids, the chunk holding its first row (no search per lookup) */
  private readonly blockChunk: Int32Array;
  private readonly masks: Int32Array;
  private readonly campaigns = new TextCache(16384);
  private readonly licensors = new TextCache(4096);
  private scratch = new Uint8Array(3 * 1024);
  /** rows held */
  readonly rows: number;

  readonly buckets: number;
  private readonly tables: (Int32Array | null)[];
  private readonly next: Int32Array;
  readonly keys: number;

  /**
   * `tables[b]`: bucket b's slots ([2k] first row id or EMPTY, [2k+1] tag), null for a bucket with no
   * rows; `chunks` cover row ids 0..rows-1 in order.
   */
  constructor(
    buckets: number,
    tables: (Int32Array | null)[],
    next: Int32Array,
    chunks: Chunk[],
    /** distinct (track_id, market, surface) keys */
    keys: number,
  ) {
    this.buckets = buckets;
    this.tables = tables;
    this.next = next;
    this.keys = keys;
    this.chunks = [...chunks].sort((a, b) => a.start - b.start);
    this.chunkStarts = Int32Array.from(this.chunks, (c) => c.start);
    let rows = 0;
    for (const c of this.chunks) {
      if (c.start !== rows) throw new Error(`chunk of ${c.shard} starts at ${c.start}, expected ${rows}`);
      rows += c.length;
    }
    this.rows = rows;
    this.blockChunk = new Int32Array((rows >>> BLOCK_BITS) + 1);
    for (let b = 0, k = 0; b < this.blockChunk.length; b++) {
      const first = b << BLOCK_BITS;
      while (k + 1 < this.chunks.length && this.chunks[k + 1].start <= first) k++;
      this.blockChunk[b] = k;
    }
    this.masks = Int32Array.from(tables, (t) => (t ? (t.length >>> 1) - 1 : 0));
  }

  private chunkOf(row: number): Chunk {
    const starts = this.chunkStarts;
    const last = starts.length - 1;
    let k = this.blockChunk[row >>> BLOCK_BITS];
    while (k < last && starts[k + 1] <= row) k++;
    return this.chunks[k];
  }

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
    const tag = keyHash.h | 0;
    let s = (tag & mask) << 1;
    for (;;) {
      const head = slots[s];
      if (head === EMPTY) return EMPTY;
      if (slots[s + 1] === tag) {
        const h = this.chunkOf(head);
        const j = head - h.start;
        // every offset first, then the bytes: the row's cache misses overlap instead of queueing
        const to = h.track.offsets, mo = h.market.offsets, so = h.surface.offsets;
        const ts = to[j], tEnd = to[j + 1], ms = mo[j], mEnd = mo[j + 1], ss = so[j], sEnd = so[j + 1];
        if (
          bytesEqual(h.track.bytes, ts, tEnd, buf, 0, te) &&
          bytesEqual(h.market.bytes, ms, mEnd, buf, te, me) &&
          bytesEqual(h.surface.bytes, ss, sEnd, buf, me, se)
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

  propensityOf(row: number): number {
    const c = this.chunkOf(row);
    return c.propensity[row - c.start];
  }

  row(row: number): ScoreRow {
    const c = this.chunkOf(row);
    const i = row - c.start;
    // load every column of the row before decoding anything, so the cache misses overlap
    const co = c.campaign.offsets, lo = c.licensor.offsets;
    const cs = co[i], ce = co[i + 1], ls = lo[i], le = lo[i + 1];
    const score = c.score[i], boost = c.boost[i], share = c.share[i], upper = c.upper[i];
    const value = c.value[i], headroom = c.headroom[i], skipUpper = c.skipUpper[i], reason = c.reason[i], propensity = c.propensity[i];
    return {
      campaign_id: this.campaigns.get(c.campaignText, cs, ce),
      licensor_id: this.licensors.get(c.licensorText, ls, le),
      score,
      boost,
      share,
      upper,
      value,
      headroom,
      skip_upper: skipUpper,
      reason,
      propensity,
    };
  }

  /** Every campaign row of the key, best first; null when the snapshot has no row for it. */
  lookup(trackId: string, market: string, surface: string): ScoreRow[] | null {
    let r = this.find(trackId, market, surface);
    if (r === EMPTY) return null;
    // the chain link is read before the row is built, so its cache miss overlaps the row's
    let after = this.next[r];
    const out: ScoreRow[] = [this.row(r)];
    while (after !== EMPTY) {
      r = after;
      after = this.next[r];
      out.push(this.row(r));
    }
    return out;
  }
}
