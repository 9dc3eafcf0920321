import { Table, tableFromIPC, type RecordBatch } from 'apache-arrow';
import { CorruptSnapshotError } from '../core/errors.ts';
import type { ObjectStore } from '../store/port.ts';
import { paths, type Manifest, type ShardEntry } from './contract.ts';
import { isMarkerName, markers } from './markers.ts';
import { latestManifestDigest, manifestDigestError, readLatest, readManifest, readManifestWithDigest, verifyShardBytes } from './read.ts';
import { compareAsOf } from './version.ts';

export interface ShardCheck {
  path: string;
  bucket: number;
  ok: boolean;
  error?: string;
}

export interface VersionCheck {
  dataset: string;
  version: string;
  ok: boolean;
  /** set when the manifest itself is missing or malformed (then `shards` is empty) */
  manifestError?: string;
  /** problems of the version as a whole (row totals, schema) */
  errors: string[];
  shards: ShardCheck[];
  manifest?: Manifest;
  /** sha256 of the manifest's bytes as read (what LATEST records when it names this version) */
  manifestSha256?: string;
}

export interface DigestOption {
  /**
   * The manifest digest to insist on; null: none. Left out, it is LATEST's when LATEST names the
   * version, so any check of the current version refuses a manifest changed after publishing.
   */
  manifestSha256?: string | null;
}

const SHARD_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.arrow$/;

/** The digest a reader must insist on: the one given, or LATEST's record for this version. */
async function expectedDigest(store: ObjectStore, dataset: string, version: string, o: DigestOption): Promise<string | undefined> {
  if (o.manifestSha256 === null) return undefined;
  return o.manifestSha256 ?? (await latestManifestDigest(store, dataset, version));
}

/**
 * The manifest, with a problem to report when its digest is not the one expected (the shards are
 * still checked, so every problem is named at once), or the failed check that says why it cannot be read.
 */
async function manifestOrReport(
  store: ObjectStore, dataset: string, version: string, o: DigestOption,
): Promise<{ manifest: Manifest; sha256: string; errors: string[] } | VersionCheck> {
  try {
    const expected = await expectedDigest(store, dataset, version, o);
    const read = await readManifestWithDigest(store, dataset, version);
    const changed = manifestDigestError(paths.manifest(dataset, version), read.sha256, expected);
    return { ...read, errors: changed ? [changed] : [] };
  } catch (err) {
    if (!(err instanceof CorruptSnapshotError)) throw err;
    return { dataset, version, ok: false, manifestError: err.message, errors: [], shards: [] };
  }
}

/**
 * Re-checks a version end to end: the manifest parses and names this version, every shard it lists
 * exists with the recorded size, crc32c and sha256, decodes as Arrow with the recorded rows and
 * the manifest's schema, and the shard rows add up to stats.rows. Never throws for a bad snapshot:
 * it reports, so `verify` can name every problem at once.
 */
export async function verifyVersion(store: ObjectStore, dataset: string, version: string, o: DigestOption = {}): Promise<VersionCheck> {
  const read = await manifestOrReport(store, dataset, version, o);
  if ('ok' in read) return read;
  const manifest = read.manifest;
  const errors: string[] = [...read.errors];
  const shards: ShardCheck[] = [];
  const names = Array.isArray(manifest.schema) ? manifest.schema.map((f) => f.name) : [];
  let rows = 0;
  const seen = new Set<string>();
  for (const entry of manifest.shards) {
    const where = paths.shard(dataset, version, String(entry?.path));
    const check: ShardCheck = { path: String(entry?.path), bucket: entry?.bucket, ok: false };
    shards.push(check);
    try {
      checkEntry(entry, manifest, seen);
      const got = await store.read(where);
      if (!got) throw new CorruptSnapshotError(`${where}: named by the manifest but does not exist`);
      verifyShardBytes(where, entry, got.data);
      const t = decodeShard(where, got.data);
      if (t.numRows !== entry.rows) throw new CorruptSnapshotError(`${where}: ${t.numRows} rows, manifest says ${entry.rows}`);
      const got_names = t.schema.fields.map((f) => f.name);
      if (got_names.join('\u0000') !== names.join('\u0000')) {
        throw new CorruptSnapshotError(`${where}: columns [${got_names.join(', ')}] differ from the manifest's schema`);
      }
      rows += entry.rows;
      check.ok = true;
    } catch (err) {
      if (!(err instanceof CorruptSnapshotError)) throw err;
      check.error = err.message;
    }
  }
  if (manifest.stats && manifest.stats.rows !== rows && shards.every((s) => s.ok)) {
    errors.push(`${paths.manifest(dataset, version)}: stats.rows is ${manifest.stats.rows}, the shards hold ${rows}`);
  }
  const ok = errors.length === 0 && shards.every((s) => s.ok);
  return { dataset, version, ok, errors, shards, manifest, manifestSha256: read.sha256 };
}

/**
 * The cheap check after LATEST moved: the manifest is there and lists the same shards (paths and
 * checksums) as `expected`, and every shard exists with its recorded size. The full checksum pass
 * (verifyVersion) ran just before the swap; this catches an output that vanished since, without
 * downloading every shard a second time.
 */
export async function verifyPresence(
  store: ObjectStore, dataset: string, version: string, expected: Manifest, o: DigestOption = {},
): Promise<VersionCheck> {
  const read = await manifestOrReport(store, dataset, version, o);
  if ('ok' in read) return read;
  const manifest = read.manifest;
  const key = (m: Manifest) => JSON.stringify([...m.shards].map((e) => [e.path, e.bytes, e.sha256, e.crc32c]).sort());
  const errors = [...read.errors];
  if (key(manifest) !== key(expected)) errors.push(`${paths.manifest(dataset, version)} lists other shards than were published`);
  const shards: ShardCheck[] = [];
  for (const entry of manifest.shards) {
    const where = paths.shard(dataset, version, entry.path);
    const info = await store.stat(where);
    const error = !info
      ? `${where}: named by the manifest but does not exist`
      : info.size !== entry.bytes
        ? `${where}: ${info.size} bytes, manifest says ${entry.bytes} (truncated or replaced)`
        : undefined;
    shards.push({ path: entry.path, bucket: entry.bucket, ok: !error, ...(error ? { error } : {}) });
  }
  return { dataset, version, ok: errors.length === 0 && shards.every((x) => x.ok), errors, shards, manifest, manifestSha256: read.sha256 };
}

/** Throws CorruptSnapshotError naming the first problem of a failed check (for callers that need all-or-nothing). */
export function assertVerified(check: VersionCheck): Manifest {
  if (check.ok && check.manifest) return check.manifest;
  const problems = [
    ...(check.manifestError ? [check.manifestError] : []),
    ...check.errors,
    ...check.shards.filter((s) => !s.ok).map((s) => s.error ?? `${s.path}: failed`),
  ];
  throw new CorruptSnapshotError(
    `version ${check.dataset}/${check.version} failed verification: ${problems.slice(0, 5).join('; ')}` +
      (problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''),
  );
}

function checkEntry(entry: ShardEntry, manifest: Manifest, seen: Set<string>): void {
  const p = entry?.path;
  if (typeof p !== 'string' || !SHARD_NAME.test(p)) {
    throw new CorruptSnapshotError(`manifest of ${manifest.version} names an invalid shard path ${JSON.stringify(p)}`);
  }
  if (seen.has(p)) throw new CorruptSnapshotError(`manifest of ${manifest.version} lists shard ${p} twice`);
  seen.add(p);
  if (!Number.isInteger(entry.bucket) || entry.bucket < 0 || entry.bucket >= manifest.buckets) {
    throw new CorruptSnapshotError(`manifest of ${manifest.version}: shard ${p} has bucket ${entry.bucket} outside 0..${manifest.buckets - 1}`);
  }
  for (const k of ['rows', 'bytes'] as const) {
    if (!Number.isInteger(entry[k]) || entry[k] < 0) throw new CorruptSnapshotError(`manifest of ${manifest.version}: shard ${p} has invalid ${k}`);
  }
  if (typeof entry.sha256 !== 'string' || typeof entry.crc32c !== 'string') {
    throw new CorruptSnapshotError(`manifest of ${manifest.version}: shard ${p} lacks sha256 or crc32c`);
  }
}

function decodeShard(where: string, bytes: Uint8Array): Table {
  try {
    return tableFromIPC(bytes);
  } catch (err) {
    throw new CorruptSnapshotError(`${where}: not an Arrow IPC file (${(err as Error).message})`);
  }
}

export interface ReadVersionOptions extends DigestOption {
  /** read only the shards of these buckets (a serving task's share) */
  buckets?: number[];
}

/**
 * A version's rows as one Arrow table, every shard verified against the manifest before use
 * (throws CorruptSnapshotError otherwise). Shards are concatenated in manifest order.
 */
export async function readVersionTable(
  store: ObjectStore, dataset: string, version: string, opts: ReadVersionOptions = {},
): Promise<{ manifest: Manifest; table: Table }> {
  const { manifest } = await readManifestWithDigest(store, dataset, version, await expectedDigest(store, dataset, version, opts));
  const want = opts.buckets ? new Set(opts.buckets) : null;
  const batches: RecordBatch[] = [];
  let schema: Table['schema'] | undefined;
  const seen = new Set<string>();
  let rows = 0;
  for (const entry of manifest.shards) {
    if (want && !want.has(entry.bucket)) continue;
    checkEntry(entry, manifest, seen);
    const where = paths.shard(dataset, version, entry.path);
    const got = await store.read(where);
    if (!got) throw new CorruptSnapshotError(`${where}: named by the manifest but does not exist`);
    verifyShardBytes(where, entry, got.data);
    const t = decodeShard(where, got.data);
    if (t.numRows !== entry.rows) throw new CorruptSnapshotError(`${where}: ${t.numRows} rows, manifest says ${entry.rows}`);
    schema ??= t.schema;
    batches.push(...t.batches);
    rows += t.numRows;
  }
  if (!want && manifest.stats && manifest.stats.rows !== rows) {
    throw new CorruptSnapshotError(`${paths.manifest(dataset, version)}: stats.rows is ${manifest.stats.rows}, the shards hold ${rows}`);
  }
  const table = schema ? new Table(schema, batches) : new Table();
  return { manifest, table };
}

/** Reads LATEST and the version it names, verified; throws CorruptSnapshotError when LATEST points nowhere. */
export async function readLatestVerified(store: ObjectStore, dataset: string): Promise<VersionCheck | null> {
  const latest = await readLatest(store, dataset);
  if (!latest) return null;
  const expected = paths.manifestRel(latest.pointer.version);
  if (latest.pointer.manifest !== expected) {
    throw new CorruptSnapshotError(`${paths.latest(dataset)} names manifest ${latest.pointer.manifest}, expected ${expected}`);
  }
  const check = await verifyVersion(store, dataset, latest.pointer.version, { manifestSha256: latest.pointer.manifest_sha256 ?? null });
  if (check.manifestError) {
    throw new CorruptSnapshotError(`${paths.latest(dataset)} names version ${latest.pointer.version}, but ${check.manifestError}`);
  }
  return check;
}

export interface VersionSummary {
  version: string;
  /** from the manifest; null when the version has no readable manifest (incomplete or orphan) */
  as_of: string | null;
  created_at: string | null;
  rows: number | null;
  shards: number;
  bytes: number;
  objects: number;
  /** newest object's write time */
  updated: string;
  complete: boolean;
  latest: boolean;
  notified: boolean;
  rolled_back: boolean;
  manifest?: Manifest;
  manifestError?: string;
}

/**
 * Every version directory of a dataset, oldest first (by as-of, then creation time), with what
 * the store says about it. Reads each manifest but no shard.
 */
export async function listVersions(store: ObjectStore, dataset: string): Promise<VersionSummary[]> {
  const prefix = `${dataset}/versions/`;
  const objects = await store.list(prefix);
  const byVersion = new Map<string, typeof objects>();
  for (const o of objects) {
    const rest = o.path.slice(prefix.length);
    const cut = rest.indexOf('/');
    if (cut <= 0) continue;
    const v = rest.slice(0, cut);
    const list = byVersion.get(v) ?? [];
    list.push(o);
    byVersion.set(v, list);
  }
  let latestVersion: string | null = null;
  try {
    latestVersion = (await readLatest(store, dataset))?.pointer.version ?? null;
  } catch {
    latestVersion = null;
  }
  const rolledBack = new Set(
    (await store.list(markers.rolledBackDir(dataset)))
      .map((o) => o.path.slice(markers.rolledBackDir(dataset).length))
      .filter((n) => !n.endsWith('.notified')),
  );
  const out: VersionSummary[] = [];
  for (const [version, objs] of byVersion) {
    let manifest: Manifest | undefined;
    let manifestError: string | undefined;
    try {
      manifest = await readManifest(store, dataset, version);
    } catch (err) {
      if (!(err instanceof CorruptSnapshotError)) throw err;
      manifestError = err.message;
    }
    const files = objs.map((o) => o.path.slice(prefix.length + version.length + 1));
    out.push({
      version,
      as_of: manifest?.as_of ?? null,
      created_at: manifest?.created_at ?? null,
      rows: manifest?.stats?.rows ?? null,
      shards: files.filter((f) => f.endsWith('.arrow')).length,
      bytes: objs.reduce((s, o) => s + o.size, 0),
      objects: objs.length,
      updated: objs.reduce((m, o) => (o.updated > m ? o.updated : m), ''),
      complete: manifest !== undefined,
      latest: version === latestVersion,
      notified: files.some((f) => isMarkerName(f) && f === '_notified'),
      rolled_back: rolledBack.has(version),
      manifest,
      manifestError,
    });
  }
  out.sort(compareVersions);
  return out;
}

/** Oldest first: by as-of, then created_at, then id; versions without a manifest sort by id among themselves, last. */
export function compareVersions(a: VersionSummary, b: VersionSummary): number {
  if (a.as_of && b.as_of) {
    const c = compareAsOf(a.as_of, b.as_of);
    if (c) return c;
    if ((a.created_at ?? '') !== (b.created_at ?? '')) return (a.created_at ?? '') < (b.created_at ?? '') ? -1 : 1;
  } else if (a.as_of || b.as_of) {
    return a.as_of ? -1 : 1;
  }
  return a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
}
