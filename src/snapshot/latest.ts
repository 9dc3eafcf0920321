/**
 * LATEST, a dataset's pointer to its current version (docs/snapshots.md): parsed and written here
 * only. `manifest_sha256`, the digest of the manifest's bytes, lets every reader refuse a manifest
 * edited after publishing; pointers written before it existed lack it and are still read.
 */
import { CorruptSnapshotError } from '../core/errors.ts';
import { paths, type LatestPointer } from './contract.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The pointer a publish or rollback writes for `version`, whose manifest bytes have this digest. */
export function latestPointer(version: string, manifestSha256: string): LatestPointer {
  return { version, manifest: paths.manifestRel(version), manifest_sha256: manifestSha256 };
}

/** LATEST's bytes: one line of JSON, fields in contract order. */
export function encodeLatest(p: LatestPointer): Uint8Array {
  const out: LatestPointer = { version: p.version, manifest: p.manifest };
  if (p.manifest_sha256 !== undefined) out.manifest_sha256 = p.manifest_sha256;
  return new TextEncoder().encode(JSON.stringify(out) + '\n');
}

/** Parses LATEST's bytes; throws CorruptSnapshotError naming `where` (the object's path). */
export function parseLatest(data: Uint8Array, where: string): LatestPointer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    throw new CorruptSnapshotError(`${where} is not JSON`);
  }
  const p = parsed as Partial<LatestPointer> | null;
  if (typeof p?.version !== 'string' || typeof p?.manifest !== 'string') {
    throw new CorruptSnapshotError(`${where} lacks "version" or "manifest"`);
  }
  if (p.manifest_sha256 === undefined) return { version: p.version, manifest: p.manifest };
  if (typeof p.manifest_sha256 !== 'string' || !SHA256_HEX.test(p.manifest_sha256)) {
    throw new CorruptSnapshotError(`${where}: manifest_sha256 is not a hex sha256 digest`);
  }
  return { version: p.version, manifest: p.manifest, manifest_sha256: p.manifest_sha256 };
}
