import { DataType, Precision, tableFromIPC, type Data, type Table } from 'apache-arrow';
import { CorruptSnapshotError } from '../core/errors.ts';
import { OPTIONAL_SNAPSHOT_COLUMNS, SNAPSHOT_COLUMNS, type ShardEntry } from '../snapshot/contract.ts';

/**
 * One record batch of a shard, as the raw buffers the index reads: no row is ever boxed. The
 * buffers are views into the downloaded shard bytes (Arrow IPC reads zero-copy), so the snapshot
 * costs its own size in memory plus the index.
 */
export interface Utf8Column {
  offsets: Int32Array;
  bytes: Uint8Array;
}

export interface Chunk {
  /** global row id of the chunk's first row */
  start: number;
  length: number;
  /** shard path, for error messages */
  shard: string;
  track: Utf8Column;
  market: Utf8Column;
  surface: Utf8Column;
  campaign: Utf8Column;
  licensor: Utf8Column;
  score: Float32Array;
  boost: Float32Array;
  share: Float64Array;
  upper: Float64Array;
  value: Float64Array;
  headroom: Float64Array;
  skipUpper: Float64Array;
  reason: Uint32Array;
  /**
   * the probability of the published boost under the snapshot's holdout design (docs/snapshots.md,
   * "Propensity"), for the ranker to log with every impression; 1 for snapshots that predate the column
   */
  propensity: Float32Array;
  /** a Buffer over `campaign.bytes`/`licensor.bytes` for cheap utf8 slicing at answer time */
  campaignText: Buffer;
  licensorText: Buffer;
}

type ContractType = (typeof SNAPSHOT_COLUMNS)[number][1];

function typeMatches(t: DataType, want: ContractType): boolean {
  switch (want) {
    case 'utf8':
      return DataType.isUtf8(t);
    case 'float32':
      return DataType.isFloat(t) && t.precision === Precision.SINGLE;
    case 'float64':
      return DataType.isFloat(t) && t.precision === Precision.DOUBLE;
    case 'uint32':
      return DataType.isInt(t) && !t.isSigned && t.bitWidth === 32;
  }
}

/** Throws CorruptSnapshotError unless every contract column is present with its contract type, and every optional one present has its type. */
export function checkSchema(shard: string, table: Table): void {
  for (const [name, want] of [...SNAPSHOT_COLUMNS, ...OPTIONAL_SNAPSHOT_COLUMNS]) {
    const field = table.schema.fields.find((f) => f.name === name);
    if (!field) {
      if (OPTIONAL_SNAPSHOT_COLUMNS.some(([n]) => n === name)) continue;
      throw new CorruptSnapshotError(`${shard}: contract column "${name}" is missing`);
    }
    if (!typeMatches(field.type, want)) {
      throw new CorruptSnapshotError(`${shard}: column "${name}" is ${String(field.type)}, the contract says ${want}`);
    }
  }
}

/** Checks the manifest's declared schema against the contract (before any shard is fetched). */
export function checkManifestSchema(where: string, schema: { name: string; type: string }[] | undefined): void {
  if (!Array.isArray(schema)) throw new CorruptSnapshotError(`${where}: manifest has no schema`);
  for (const [name, want] of SNAPSHOT_COLUMNS) {
    const f = schema.find((s) => s.name === name);
    if (!f) throw new CorruptSnapshotError(`${where}: manifest schema lacks contract column "${name}"`);
    if (String(f.type).toLowerCase() !== want) {
      throw new CorruptSnapshotError(`${where}: manifest schema says "${name}" is ${f.type}, the contract says ${want}`);
    }
  }
}

function noNulls(shard: string, name: string, d: Data): void {
  if (d.nullCount > 0) {
    throw new CorruptSnapshotError(`${shard}: column "${name}" has ${d.nullCount} null(s); contract columns are non-null`);
  }
}

function utf8(shard: string, name: string, d: Data): Utf8Column {
  noNulls(shard, name, d);
  const offsets = d.valueOffsets as Int32Array;
  const bytes = (d.values as Uint8Array | undefined) ?? new Uint8Array(0);
  if (offsets.length < d.length + 1 || offsets[d.length] > bytes.length) {
    throw new CorruptSnapshotError(`${shard}: column "${name}" has offsets beyond its data`);
  }
  return { offsets, bytes };
}

function fixed<T extends Float32Array | Float64Array | Uint32Array>(shard: string, name: string, d: Data): T {
  noNulls(shard, name, d);
  const v = d.values as T;
  if (v.length < d.length) throw new CorruptSnapshotError(`${shard}: column "${name}" is shorter than its batch`);
  return v.length === d.length ? v : (v.subarray(0, d.length) as T);
}

/** The chunks (one per record batch) of a schema-checked shard table, numbered from `start`. */
export function chunksOf(shard: string, table: Table, start: number): Chunk[] {
  const out: Chunk[] = [];
  const col = (name: string) => table.getChild(name)!.data;
  const propensity = table.getChild('propensity')?.data ?? null;
  const cols = {
    track: col('track_id'),
    market: col('market'),
    surface: col('surface'),
    campaign: col('campaign_id'),
    licensor: col('licensor_id'),
    score: col('score'),
    boost: col('boost'),
    share: col('share'),
    upper: col('upper'),
    value: col('value'),
    headroom: col('headroom'),
    skipUpper: col('skip_upper'),
    reason: col('reason'),
    ...(propensity ? { propensity } : {}),
  };
  let at = start;
  for (let b = 0; b < cols.track.length; b++) {
    const length = cols.track[b].length;
    if (length === 0) continue;
    for (const [name, ds] of Object.entries(cols)) {
      if (ds[b].length !== length) throw new CorruptSnapshotError(`${shard}: column "${name}" batch ${b} length differs`);
    }
    const campaign = utf8(shard, 'campaign_id', cols.campaign[b]);
    const licensor = utf8(shard, 'licensor_id', cols.licensor[b]);
    out.push({
      start: at,
      length,
      shard,
      track: utf8(shard, 'track_id', cols.track[b]),
      market: utf8(shard, 'market', cols.market[b]),
      surface: utf8(shard, 'surface', cols.surface[b]),
      campaign,
      licensor,
      score: fixed(shard, 'score', cols.score[b]),
      boost: fixed(shard, 'boost', cols.boost[b]),
      share: fixed(shard, 'share', cols.share[b]),
      upper: fixed(shard, 'upper', cols.upper[b]),
      value: fixed(shard, 'value', cols.value[b]),
      headroom: fixed(shard, 'headroom', cols.headroom[b]),
      skipUpper: fixed(shard, 'skip_upper', cols.skipUpper[b]),
      reason: fixed(shard, 'reason', cols.reason[b]),
      propensity: propensity ? fixed(shard, 'propensity', propensity[b]) : new Float32Array(length).fill(1),
      campaignText: Buffer.from(campaign.bytes.buffer, campaign.bytes.byteOffset, campaign.bytes.byteLength),
      licensorText: Buffer.from(licensor.bytes.buffer, licensor.bytes.byteOffset, licensor.bytes.byteLength),
    });
    at += length;
  }
  return out;
}

/**
 * A verified shard's bytes as chunks numbered from `start`: a readable Arrow IPC file, contract
 * columns with contract types and no nulls, and the row count the manifest announces.
 */
export function shardChunks(where: string, entry: ShardEntry, bytes: Uint8Array, start: number): Chunk[] {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    throw new CorruptSnapshotError(`${where}: not a readable Arrow IPC file (${(err as Error).message})`);
  }
  checkSchema(where, table);
  if (table.numRows !== entry.rows) throw new CorruptSnapshotError(`${where}: ${table.numRows} rows, manifest says ${entry.rows}`);
  return chunksOf(where, table, start);
}
