import { tableToIPC, Table, type Data, type DataType } from 'apache-arrow';
import { OutputGateError, UsageError } from '../core/errors.ts';
import { crc32cBase64, fnv1a32, sha256Hex } from '../core/hash.ts';
import { paths, SNAPSHOT_COLUMNS, type ShardEntry } from './contract.ts';
import { partitionRows } from './partition.ts';

export interface EncodedShard {
  entry: ShardEntry;
  bytes: Uint8Array;
}

export interface EncodeShardsOptions {
  /** number of hash buckets of track_id (the manifest's `buckets`) */
  buckets: number;
  /**
   * Set when several producers (tasks) write files for the same buckets: file names become
   * part-NNNNN-tK.arrow so they never collide. Unset: part-NNNNN.arrow (paths.shardFile).
   */
  taskId?: number | null;
}

/** File name of a bucket's shard, per producer. */
export function shardFileName(bucket: number, taskId?: number | null): string {
  if (taskId === undefined || taskId === null) return paths.shardFile(bucket);
  if (!Number.isInteger(taskId) || taskId < 0) throw new UsageError(`task id ${taskId} must be a non-negative integer`);
  return `part-${String(bucket).padStart(5, '0')}-t${taskId}.arrow`;
}

/** Throws OutputGateError unless the table starts with the contract columns, in order, with their types. */
export function checkSnapshotSchema(table: Table): void {
  const fields = table.schema.fields;
  SNAPSHOT_COLUMNS.forEach(([name, type], i) => {
    const f = fields[i];
    if (!f) throw new OutputGateError(`snapshot table lacks contract column ${i + 1} "${name}" (${type})`);
    if (f.name !== name) throw new OutputGateError(`snapshot column ${i + 1} is "${f.name}", the contract says "${name}"`);
    const got = arrowTypeName(f.type);
    if (got !== type) throw new OutputGateError(`snapshot column "${name}" is ${got}, the contract says ${type}`);
  });
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.name)) throw new OutputGateError(`snapshot table has column "${f.name}" twice`);
    seen.add(f.name);
  }
}

/** The lower-case type name the manifest records, e.g. utf8, float32, uint32. */
export function arrowTypeName(type: DataType): string {
  return String(type).toLowerCase();
}

/**
 * The bucket of every row, from the raw UTF-8 bytes of track_id (the same FNV-1a as bucketOf,
 * without decoding a string per row).
 */
export function bucketOfRows(table: Table, buckets: number): Int32Array {
  if (!Number.isInteger(buckets) || buckets < 1) throw new UsageError(`buckets must be a positive integer, got ${buckets}`);
  const col = table.getChild('track_id');
  if (!col) throw new OutputGateError('snapshot table has no track_id column');
  const bucketOfRow = new Int32Array(table.numRows);
  let row = 0;
  for (const d of col.data as Data<DataType>[]) {
    const off = d.valueOffsets as Int32Array;
    const bytes = d.values as Uint8Array;
    const nb = d.nullCount > 0 ? d.nullBitmap : null;
    for (let i = 0; i < d.length; i++, row++) {
      if (nb) {
        const bit = d.offset + i;
        if ((nb[bit >> 3] & (1 << (bit & 7))) === 0) throw new OutputGateError(`snapshot column track_id is null at row ${row}`);
      }
      bucketOfRow[row] = fnv1a32(bytes, off[i], off[i + 1]) % buckets;
    }
  }
  return bucketOfRow;
}

/**
 * Splits the scoring output into one Arrow IPC file per non-empty bucket (rows keep their table
 * order), with the checksums the manifest records. Same table → byte-identical shards. An empty table
 * still yields one empty shard for bucket 0, so readers learn the schema.
 */
export function encodeShards(table: Table, opts: EncodeShardsOptions): EncodedShard[] {
  checkSnapshotSchema(table);
  const parts = partitionRows(table, bucketOfRows(table, opts.buckets), opts.buckets);
  const out: EncodedShard[] = [];
  parts.forEach((batch, bucket) => {
    if (batch.numRows === 0 && !(table.numRows === 0 && bucket === 0)) return;
    const bytes = tableToIPC(new Table(table.schema, [batch]), 'file');
    out.push({
      bytes,
      entry: {
        path: shardFileName(bucket, opts.taskId),
        bucket,
        rows: batch.numRows,
        bytes: bytes.byteLength,
        sha256: sha256Hex(bytes),
        crc32c: crc32cBase64(bytes),
      },
    });
  });
  return out;
}
