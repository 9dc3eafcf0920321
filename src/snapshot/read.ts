import { CorruptSnapshotError } from '../core/errors.ts';
import { crc32cBase64, sha256Hex } from '../core/hash.ts';
import type { ObjectStore } from '../store/port.ts';
import { FORMAT_VERSION, paths, type LatestPointer, type Manifest, type ShardEntry } from './contract.ts';

/**
 * The reading half of the snapshot protocol, shared by the publisher (read-back after the swap),
 * `snapshots verify`, and the serving loader: one place decides what "a complete, verified version" is.
 */

export interface LatestState {
  pointer: LatestPointer;
  generation: string;
}

/** LATEST of a dataset, or null when the dataset has never been published. */
export async function readLatest(store: ObjectStore, dataset: string): Promise<LatestState | null> {
  const got = await store.read(paths.latest(dataset));
  if (!got) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(got.data).toString('utf8'));
  } catch {
    throw new CorruptSnapshotError(`${paths.latest(dataset)} is not JSON`);
  }
  const p = parsed as Partial<LatestPointer>;
  if (typeof p?.version !== 'string' || typeof p?.manifest !== 'string') {
    throw new CorruptSnapshotError(`${paths.latest(dataset)} lacks "version" or "manifest"`);
  }
  return { pointer: { version: p.version, manifest: p.manifest }, generation: got.generation };
}

/** The manifest of a version; throws CorruptSnapshotError when missing or malformed. */
export async function readManifest(store: ObjectStore, dataset: string, version: string): Promise<Manifest> {
  const path = paths.manifest(dataset, version);
  const got = await store.read(path);
  if (!got) throw new CorruptSnapshotError(`manifest ${path} does not exist`);
  let m: Manifest;
  try {
    m = JSON.parse(Buffer.from(got.data).toString('utf8')) as Manifest;
  } catch {
    throw new CorruptSnapshotError(`manifest ${path} is not JSON`);
  }
  if (m.format_version !== FORMAT_VERSION) {
    throw new CorruptSnapshotError(`manifest ${path} has format_version ${m.format_version}, expected ${FORMAT_VERSION}`);
  }
  if (m.dataset !== dataset || m.version !== version) {
    throw new CorruptSnapshotError(`manifest ${path} names ${m.dataset}/${m.version}, not ${dataset}/${version}`);
  }
  if (!Array.isArray(m.shards)) throw new CorruptSnapshotError(`manifest ${path} has no shards list`);
  return m;
}

/** Throws CorruptSnapshotError unless the bytes match the manifest's size, sha256 and crc32c. */
export function verifyShardBytes(where: string, entry: ShardEntry, bytes: Uint8Array): void {
  if (bytes.byteLength !== entry.bytes) {
    throw new CorruptSnapshotError(`${where}: ${bytes.byteLength} bytes, manifest says ${entry.bytes} (truncated or replaced)`);
  }
  const crc = crc32cBase64(bytes);
  if (crc !== entry.crc32c) throw new CorruptSnapshotError(`${where}: crc32c ${crc}, manifest says ${entry.crc32c}`);
  const sha = sha256Hex(bytes);
  if (sha !== entry.sha256) throw new CorruptSnapshotError(`${where}: sha256 ${sha}, manifest says ${entry.sha256}`);
}
