/**
 * What the world serves from: the policy's published snapshot, read the way a serving replica
 * reads it (LATEST → manifest → every shard, sizes and checksums verified, contract schema checked
 * by the serving reader), turned into rows indexed by the world's own numbering.
 */
import { tableFromIPC, type Table } from 'apache-arrow';
import { CorruptSnapshotError } from '../core/errors.ts';
import { checkManifestSchema, checkSchema, chunksOf, type Utf8Column } from '../serving/columns.ts';
import { paths, type AllocationSection } from '../snapshot/contract.ts';
import { readLatest, readManifest, verifyShardBytes } from '../snapshot/read.ts';
import { bucketOfRows } from '../snapshot/write-shards.ts';
import type { ObjectStore } from '../store/port.ts';
import { SAMPLE_SURFACES } from '../sample/markets.ts';
import { keyOfIndex, type World } from './world.ts';

export interface PublishedRows {
  /** the published version; null for a job output handed over without a publish */
  version: string | null;
  /** the job's allocation section (capacities, skip baselines, tolerance per market and surface) */
  allocation: AllocationSection;
  n: number;
  /** world key of the row, -1 when the world has none */
  key: Int32Array;
  market: Int32Array;
  /** 0..2 as SAMPLE_SURFACES */
  surface: Int32Array;
  campaign: Int32Array;
  licensor: Int32Array;
  boost: Float64Array;
  share: Float64Array;
  upper: Float64Array;
  value: Float64Array;
  headroom: Float64Array;
  skipUpper: Float64Array;
  reason: Uint32Array;
  /** diagnostic columns when the snapshot has them (NaN otherwise) */
  saveRate: Float64Array;
  bonus: Float64Array;
  /** the holdout's logged propensity, when the snapshot has it (NaN otherwise) */
  propensity: Float64Array;
}

const SURFACES = new Map<string, number>(SAMPLE_SURFACES.map((s, i) => [s, i]));

function text(col: Utf8Column, i: number): string {
  return Buffer.from(col.bytes.buffer, col.bytes.byteOffset, col.bytes.byteLength).toString('utf8', col.offsets[i], col.offsets[i + 1]);
}

/** Rows of n, every column zero (NaN for the optional ones). */
function emptyRows(n: number, version: string | null, allocation: AllocationSection): PublishedRows {
  return {
    version,
    allocation,
    n,
    key: new Int32Array(n),
    market: new Int32Array(n),
    surface: new Int32Array(n),
    campaign: new Int32Array(n),
    licensor: new Int32Array(n),
    boost: new Float64Array(n),
    share: new Float64Array(n),
    upper: new Float64Array(n),
    value: new Float64Array(n),
    headroom: new Float64Array(n),
    skipUpper: new Float64Array(n),
    reason: new Uint32Array(n),
    saveRate: new Float64Array(n).fill(NaN),
    bonus: new Float64Array(n).fill(NaN),
    propensity: new Float64Array(n).fill(NaN),
  };
}

/**
 * World indexes of one id column, read from UTF-8 bytes. Most ids need no decoding: the row's
 * expected id (a campaign's own track and licensor) or the previous row's (rows come sorted by
 * market and surface) is compared byte for byte first; only a miss decodes and looks up.
 */
class IdColumn {
  private lastBytes: Uint8Array | null = null;
  private lastStart = 0;
  private lastEnd = 0;
  private lastIndex = -1;
  private readonly index: Map<string, number>;
  private readonly encoded: Uint8Array[] | null;

  constructor(index: Map<string, number>, ids: readonly string[] | null) {
    this.index = index;
    this.encoded = ids ? encodedIds(ids) : null;
  }

  resolve(col: Utf8Column, j: number, expected = -1): number {
    const s = col.offsets[j];
    const e = col.offsets[j + 1];
    if (expected >= 0 && this.encoded && same(this.encoded[expected], 0, this.encoded[expected].length, col.bytes, s, e)) return expected;
    if (this.lastBytes && same(this.lastBytes, this.lastStart, this.lastEnd, col.bytes, s, e)) return this.lastIndex;
    this.lastBytes = col.bytes;
    this.lastStart = s;
    this.lastEnd = e;
    this.lastIndex = this.index.get(text(col, j)) ?? -1;
    return this.lastIndex;
  }
}

const encoded = new WeakMap<readonly string[], Uint8Array[]>();
function encodedIds(ids: readonly string[]): Uint8Array[] {
  let e = encoded.get(ids);
  if (!e) encoded.set(ids, (e = ids.map((id) => Buffer.from(id, 'utf8'))));
  return e;
}

function same(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}

/**
 * Copies the rows of one schema-checked table into `rows`: its row i goes to `at + i`, or to
 * `position[i]` when given.
 */
function fillRows(rows: PublishedRows, w: World, where: string, table: Table, at: number, position?: Int32Array): void {
  const to = (i: number) => (position ? position[i] : at + i);
  const extra = (name: string, into: Float64Array) => {
    const c = table.getChild(name);
    if (!c) return;
    const a = c.toArray() as Float64Array | Float32Array;
    for (let i = 0; i < a.length; i++) into[to(i)] = a[i];
  };
  extra('save_rate', rows.saveRate);
  extra('exploration_bonus', rows.bonus);
  extra('propensity', rows.propensity);
  const m = w.model;
  const ids = {
    track: new IdColumn(w.trackIndex, m.trackIds),
    market: new IdColumn(w.marketIndex, null),
    surface: new IdColumn(SURFACES, null),
    campaign: new IdColumn(w.campaignIndex, null),
    licensor: new IdColumn(w.licensorIndex, m.licensorIds),
  };
  for (const c of chunksOf(where, table, 0)) {
    for (let j = 0; j < c.length; j++) {
      const r = to(c.start + j);
      const campaign = ids.campaign.resolve(c.campaign, j);
      const track = ids.track.resolve(c.track, j, campaign >= 0 ? m.campTrack[campaign] : -1);
      const market = ids.market.resolve(c.market, j);
      const surface = ids.surface.resolve(c.surface, j);
      rows.key[r] = keyOfIndex(w, track, market, surface);
      rows.market[r] = market;
      rows.surface[r] = surface;
      rows.campaign[r] = campaign;
      rows.licensor[r] = ids.licensor.resolve(c.licensor, j, track >= 0 ? m.trackLicensor[track] : -1);
      rows.boost[r] = c.boost[j];
      rows.share[r] = c.share[j];
      rows.upper[r] = c.upper[j];
      rows.value[r] = c.value[j];
      rows.headroom[r] = c.headroom[j];
      rows.skipUpper[r] = c.skipUpper[j];
      rows.reason[r] = c.reason[j];
    }
  }
}

export async function readPublished(store: ObjectStore, dataset: string, w: World): Promise<PublishedRows | null> {
  const latest = await readLatest(store, dataset);
  if (!latest) return null;
  const version = latest.pointer.version;
  const manifest = await readManifest(store, dataset, version);
  const where = paths.manifest(dataset, version);
  checkManifestSchema(where, manifest.schema);
  const n = manifest.stats.rows;
  const rows = emptyRows(n, version, manifest.allocation);
  let at = 0;
  for (const entry of manifest.shards) {
    const path = paths.shard(dataset, version, entry.path);
    const got = await store.read(path);
    if (!got) throw new CorruptSnapshotError(`${path}: named by the manifest but does not exist`);
    verifyShardBytes(path, entry, got.data);
    const table = tableFromIPC(got.data);
    checkSchema(path, table);
    if (table.numRows !== entry.rows) throw new CorruptSnapshotError(`${path}: ${table.numRows} rows, manifest says ${entry.rows}`);
    if (at + table.numRows > n) throw new CorruptSnapshotError(`${where}: stats.rows ${n}, the shards hold more`);
    fillRows(rows, w, path, table, at);
    at += table.numRows;
  }
  if (at !== n) throw new CorruptSnapshotError(`${where}: stats.rows ${n}, the shards hold ${at}`);
  return rows;
}

/**
 * The rows of a job's scoring output that was not published (the baselines'), in the order a
 * snapshot of it would hold them: bucket by bucket of track_id, the job's order within a bucket
 * (write-shards.ts). So a baseline decides from the same rows, in the same order, as it would
 * after a publish and a read.
 */
export function rowsOfOutput(table: Table, allocation: AllocationSection, buckets: number, w: World): PublishedRows {
  checkSchema('scoring output', table);
  const bucket = bucketOfRows(table, buckets);
  const start = new Int32Array(buckets + 1);
  for (let i = 0; i < bucket.length; i++) start[bucket[i] + 1]++;
  for (let b = 0; b < buckets; b++) start[b + 1] += start[b];
  const position = new Int32Array(bucket.length);
  for (let i = 0; i < bucket.length; i++) position[i] = start[bucket[i]]++;
  const rows = emptyRows(table.numRows, null, allocation);
  fillRows(rows, w, 'scoring output', table, 0, position);
  return rows;
}
