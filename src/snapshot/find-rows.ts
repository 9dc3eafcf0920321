import { tableFromIPC, type Table } from 'apache-arrow';
import { bucketOf } from '../core/hash.ts';
import type { ObjectStore } from '../store/port.ts';
import { paths, type Manifest } from './contract.ts';
import { verifyShardBytes } from './read.ts';
import { CorruptSnapshotError } from '../core/errors.ts';

/**
 * The rows of one track in a published version, reading only the shards of the track's bucket
 * (what a serving task that owns the bucket would read), each verified before it is trusted.
 */
export async function findTrackRows(
  store: ObjectStore,
  manifest: Manifest,
  trackId: string,
): Promise<{ table: Table; indices: number[] }[]> {
  const bucket = bucketOf(trackId, manifest.buckets);
  const out: { table: Table; indices: number[] }[] = [];
  for (const shard of manifest.shards.filter((s) => s.bucket === bucket)) {
    const path = paths.shard(manifest.dataset, manifest.version, shard.path);
    const got = await store.read(path);
    if (!got) throw new CorruptSnapshotError(`shard ${path} named by the manifest does not exist`);
    verifyShardBytes(path, shard, got.data);
    const table = tableFromIPC(got.data);
    const ids = table.getChild('track_id');
    if (!ids) throw new CorruptSnapshotError(`shard ${path} has no track_id column`);
    const indices: number[] = [];
    for (let i = 0; i < table.numRows; i++) if (ids.get(i) === trackId) indices.push(i);
    if (indices.length) out.push({ table, indices });
  }
  return out;
}
