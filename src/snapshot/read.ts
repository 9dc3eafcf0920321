import { CorruptSnapshotError } from '../core/errors.ts';
import { crc32cBase64, sha256Hex } from '../core/hash.ts';
import type { ObjectStore } from '../store/port.ts';
import { FORMAT_VERSION, paths, type LatestPointer, type Manifest, type ShardEntry } from './contract.ts';
import { parseLatest } from './latest.ts';

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
  return { pointer: parseLatest(got.data, paths.latest(dataset)), generation: got.generation };
}

/**
 * The manifest digest LATEST records for `version`: undefined when LATEST names another version,
 * carries no digest (written before it did), is missing, or cannot be read (its own readers report that).
 */
export async function latestManifestDigest(store: ObjectStore, dataset: string, version: string): Promise<string | undefined> {
  try {
    const latest = await readLatest(store, dataset);
    return latest?.pointer.version === version ? latest.pointer.manifest_sha256 : undefined;
  } catch (err) {
    if (err instanceof CorruptSnapshotError) return undefined;
    throw err;
  }
}

export interface ManifestRead {
  manifest: Manifest;
  /** sha256 (hex) of the manifest's bytes as stored */
  sha256: string;
}

/**
 * The manifest of a version and the digest of its bytes; throws CorruptSnapshotError when missing,
 * malformed, or (given `expectedSha256`, LATEST's record of it) edited since it was published.
 */
export async function readManifestWithDigest(
  store: ObjectStore, dataset: string, version: string, expectedSha256?: string,
): Promise<ManifestRead> {
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
  const sha256 = sha256Hex(got.data);
  const changed = manifestDigestError(path, sha256, expectedSha256);
  if (changed) throw new CorruptSnapshotError(changed);
  return { manifest: m, sha256 };
}

/** Why a manifest's digest is not the one LATEST recorded, or null when it is (or none was recorded). */
export function manifestDigestError(path: string, sha256: string, expectedSha256: string | undefined): string | null {
  if (expectedSha256 === undefined || sha256 === expectedSha256) return null;
  return `manifest ${path} has sha256 ${sha256}, LATEST says ${expectedSha256} (changed after publishing)`;
}

/** The manifest of a version; throws CorruptSnapshotError when missing or malformed (or not `expectedSha256`). */
export async function readManifest(store: ObjectStore, dataset: string, version: string, expectedSha256?: string): Promise<Manifest> {
  return (await readManifestWithDigest(store, dataset, version, expectedSha256)).manifest;
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
