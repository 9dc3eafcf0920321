import type { Table } from 'apache-arrow';
import { canonicalJson } from '../core/hash.ts';
import {
  CorruptSnapshotError, InfraError, OutputGateError, PreconditionFailedError, PromoscoreError, RaceLostError,
} from '../core/errors.ts';
import type { NotificationAttributes, Notifier } from '../notify/port.ts';
import { silentLogger, type Logger } from '../observability/log.ts';
import type { ObjectStore } from '../store/port.ts';
import { paths, type FaultHook, type LatestPointer, type Manifest, type ShardEntry } from './contract.ts';
import { buildManifest, manifestBytes, type ManifestFields } from './manifest.ts';
import { checkSegment, hasMarker, isRolledBack, markers, putMarker } from './markers.ts';
import { encodeLatest, latestPointer, parseLatest } from './latest.ts';
import { readManifest, verifyShardBytes } from './read.ts';
import { assertVerified, verifyPresence, verifyVersion } from './snapshot-reader.ts';
import { compareAsOf } from './version.ts';
import { encodeShards, type EncodedShard } from './write-shards.ts';

export interface PublishOptions {
  store: ObjectStore;
  notifier: Notifier;
  dataset: string;
  version: string;
  /** YYYY-MM-DD or YYYY-MM-DDTHH */
  asOf: string;
  /** the scoring output: SNAPSHOT_COLUMNS, then diagnostics */
  table: Table;
  buckets: number;
  /** producer, inputs, quality, allocation (and optionally previous_version) */
  manifest: ManifestFields;
  log?: Logger;
  faults?: FaultHook;
  /** several producers: shard names carry the task id */
  taskId?: number | null;
  /**
   * May replace a LATEST of the same as-of (a deliberate republish). Defaults to true for forced
   * version ids (versionId({force: true})), false otherwise, so one run wins per as-of.
   */
  replaceSameAsOf?: boolean;
  /** pins created_at (tests) */
  createdAt?: Date;
  /**
   * Shards already written by the tasks of a sharded run (src/run/sharded.ts): nothing is encoded or
   * written; `table` (all their rows) only feeds the manifest's schema and stats, and the shards are
   * verified like any others before LATEST moves.
   */
  shards?: ShardEntry[];
  /**
   * A backfill of an as-of older than LATEST's: write, verify and announce the version but leave
   * LATEST where it is (it never moves back). Without it such a run loses the race (exit 6).
   */
  behindLatest?: boolean;
  /** the caller checked the rolled-back marker of this identity before doing any work (a run's plan does): not read again */
  checkedNotRolledBack?: boolean;
}

export interface PublishResult {
  status: 'published' | 'already-published';
  dataset: string;
  version: string;
  manifest: Manifest;
  manifestUri: string;
  /** shards this call found already written, identical (a rerun after a crash) */
  reusedShards: number;
  /** false when the version was published behind a newer LATEST (backfill), or was already current */
  latestMoved?: boolean;
  /** whether this call sent the `published` notification (false: it had been sent before) */
  notified: boolean;
  messageId?: string;
}

interface LatestSeen {
  pointer: LatestPointer | null;
  generation: string | null;
  /** LATEST's as-of, from the manifest it names; null if it names nothing readable */
  asOf: string | null;
}

/**
 * The publish protocol (docs/architecture.md, "Publish protocol"):
 *   shards (create-only) → manifest (create-only) → re-read and verify everything →
 *   compare-and-swap LATEST on the generation read → read LATEST back and verify → notify.
 * A crash anywhere leaves LATEST on a complete version; a rerun of the same identity accepts
 * identical objects it finds, finishes what is missing, and re-sends the notification until a
 * `_notified` marker records that it was accepted.
 */
export async function publishSnapshot(o: PublishOptions): Promise<PublishResult> {
  const { store, dataset, version } = o;
  const log = (o.log ?? silentLogger).child({ dataset, version });
  const fault = o.faults ?? (() => {});
  checkSegment('dataset', dataset);
  checkSegment('version', version);
  const manifestPath = paths.manifest(dataset, version);
  const manifestUri = store.uriOf(manifestPath);
  try {
    if (!o.checkedNotRolledBack && (await isRolledBack(store, dataset, version))) {
      throw new OutputGateError(`version ${version} of ${dataset} was rolled back; publish it again only as a new (forced) version`);
    }

    const replace = o.replaceSameAsOf ?? isForcedVersion(version);
    const before = await seeLatest(store, dataset, log);
    if (before.pointer?.version === version) return await alreadyPublished(o, log, manifestUri);
    if (outranks(before, o.asOf, replace)) {
      // a version announced before, since superseded: its rerun is a no-op, not a lost race
      if (await hasMarker(store, markers.notified(dataset, version))) return await alreadyPublished(o, log, manifestUri);
      if (!behind(o, before)) throw raceLost(dataset, version, o.asOf, before);
    }

    // ---- shards
    let reused = 0;
    let entries: ShardEntry[];
    if (o.shards) {
      entries = o.shards;
    } else {
      const encoded = encodeShards(o.table, { buckets: o.buckets, taskId: o.taskId });
      for (const s of encoded) {
        if (await putShard(store, dataset, version, s)) reused++;
        await fault(`shard:${s.entry.path}`);
      }
      entries = encoded.map((s) => s.entry);
      log.debug('shards written', { shards: encoded.length, reused });
    }
    await fault('shards');

    // ---- manifest
    const built = buildManifest({
      dataset, version, asOf: o.asOf, buckets: o.buckets, table: o.table, fields: o.manifest,
      shards: entries, previousVersion: before.pointer?.version ?? null, createdAt: o.createdAt,
    });
    const manifest = await putManifest(store, manifestPath, built);
    await fault('manifest');

    // ---- verify what the store now holds, through the same reader serving layers use
    const verified = await verifyVersion(store, dataset, version);
    assertVerified(verified);
    await fault('verified');

    // ---- LATEST
    const seen = await seeLatest(store, dataset, log);
    if (seen.pointer?.version === version) return await alreadyPublished(o, log, manifestUri);
    if (outranks(seen, o.asOf, replace)) {
      if (!behind(o, seen)) throw raceLost(dataset, version, o.asOf, seen);
      // backfill behind a newer LATEST: the version is complete and verified; announce it, LATEST stays
      log.info('published behind LATEST', { latest: seen.pointer?.version ?? null });
      const sent = await ensureNotified(o, manifest, manifestUri, fault);
      return {
        status: 'published', dataset, version, manifest, manifestUri, reusedShards: reused, latestMoved: false,
        notified: sent !== null, ...(sent ? { messageId: sent } : {}),
      };
    }
    await fault('before-swap');
    // LATEST records the digest of the manifest bytes just verified
    const pointer = latestPointer(version, verified.manifestSha256!);
    let swapped;
    try {
      swapped = await store.swap(paths.latest(dataset), encodeLatest(pointer), seen.generation, { contentType: 'application/json' });
    } catch (err) {
      if (err instanceof PreconditionFailedError) {
        throw new RaceLostError(`LATEST of ${dataset} changed while ${version} was being published: another run won; ${version} is left for gc`);
      }
      throw err;
    }
    log.info('LATEST moved', { from: seen.pointer?.version ?? null });
    await fault('after-swap');

    // ---- read back: success only if what LATEST names is really there
    await readBack(o, manifest, pointer, seen, swapped.generation, log);
    await fault('read-back');

    const sent = await ensureNotified(o, manifest, manifestUri, fault);
    return {
      status: 'published', dataset, version, manifest, manifestUri, reusedShards: reused, latestMoved: true, notified: sent !== null,
      ...(sent ? { messageId: sent } : {}),
    };
  } catch (err) {
    if (err instanceof PromoscoreError) throw err;
    if (err instanceof CorruptSnapshotError) throw new InfraError(`publishing ${dataset}/${version}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** Forced version ids (versionId with force) end in -f<suffix>. */
export function isForcedVersion(version: string): boolean {
  return /^\d{8}(T\d{2})?-[0-9a-f]{12}-f[0-9a-z]+$/.test(version);
}

/** Whether LATEST holds a version this run must not replace: a newer as-of, or the same one unless replacing. */
function outranks(latest: LatestSeen, asOf: string, replace: boolean): boolean {
  if (!latest.asOf) return false;
  const c = compareAsOf(latest.asOf, asOf);
  return c > 0 || (c === 0 && !replace);
}

/** May this run publish behind LATEST? Only a backfill, and only for a strictly older as-of. */
function behind(o: PublishOptions, latest: LatestSeen): boolean {
  return !!o.behindLatest && !!latest.asOf && compareAsOf(latest.asOf, o.asOf) > 0;
}

function raceLost(dataset: string, version: string, asOf: string, latest: LatestSeen): RaceLostError {
  const same = compareAsOf(latest.asOf!, asOf) === 0;
  return new RaceLostError(
    `LATEST of ${dataset} is ${latest.pointer!.version} (as-of ${latest.asOf}), ` +
      (same ? `already published for as-of ${asOf} by another run (use --force to republish)` : `newer than ${asOf}`) +
      `; ${version} is left for gc`,
  );
}

/** LATEST as it is now, tolerating a damaged pointer (the swap then repairs it). */
async function seeLatest(store: ObjectStore, dataset: string, log: Logger): Promise<LatestSeen> {
  const got = await store.read(paths.latest(dataset));
  if (!got) return { pointer: null, generation: null, asOf: null };
  let pointer: LatestPointer | null;
  try {
    pointer = parseLatest(got.data, paths.latest(dataset));
  } catch (err) {
    if (!(err instanceof CorruptSnapshotError)) throw err;
    pointer = null;
  }
  if (!pointer) {
    log.warn(`${paths.latest(dataset)} is unreadable; it will be replaced`);
    return { pointer: null, generation: got.generation, asOf: null };
  }
  try {
    const m = await readManifest(store, dataset, pointer.version);
    return { pointer, generation: got.generation, asOf: m.as_of };
  } catch (err) {
    if (!(err instanceof CorruptSnapshotError)) throw err;
    log.warn(`${paths.latest(dataset)} names ${pointer.version}, which has no readable manifest; it will be replaced`, {
      error: err.message,
    });
    return { pointer, generation: got.generation, asOf: null };
  }
}

/** Writes a shard create-only; returns true when an identical one was already there. */
export async function putShard(store: ObjectStore, dataset: string, version: string, s: EncodedShard): Promise<boolean> {
  const path = paths.shard(dataset, version, s.entry.path);
  try {
    await store.create(path, s.bytes, { contentType: 'application/vnd.apache.arrow.file' });
    return false;
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err;
  }
  const existing = await store.read(path);
  if (existing && sameBytes(existing.data, s.entry)) return true;
  throw new InfraError(
    `${path} already exists with different content than this run produced; the version directory holds foreign data ` +
      `(rerun with --force to publish a new version, and let \`snapshots gc\` collect this one)`,
  );
}

function sameBytes(data: Uint8Array, e: ShardEntry): boolean {
  try {
    verifyShardBytes('shard', e, data);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes the manifest create-only. If one exists (a rerun, or a concurrent run of the same
 * identity), it is adopted when it describes the same data — created_at and run id may differ.
 */
async function putManifest(store: ObjectStore, path: string, m: Manifest): Promise<Manifest> {
  try {
    await store.create(path, manifestBytes(m), { contentType: 'application/json' });
    return m;
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err;
  }
  let existing: Manifest;
  try {
    existing = await readManifest(store, m.dataset, m.version);
  } catch (err) {
    throw new InfraError(`${path} exists but is unreadable: ${(err as Error).message}`, { cause: err });
  }
  if (sameContent(existing, m)) return existing;
  throw new InfraError(
    `${path} already exists and describes different data (shards or schema differ); rerun with --force to publish a new version`,
  );
}

function sameContent(a: Manifest, b: Manifest): boolean {
  const key = (m: Manifest) =>
    canonicalJson([
      m.dataset, m.version, m.as_of, m.buckets, m.schema,
      [...m.shards].sort((x, y) => (x.path < y.path ? -1 : 1)).map((s) => [s.path, s.bucket, s.rows, s.bytes, s.sha256, s.crc32c]),
    ]);
  return key(a) === key(b);
}

/**
 * After the swap: LATEST must name a version that verifies. If ours does not (an object vanished
 * between verify and swap), LATEST goes back to what it was, and the run fails retryably.
 */
async function readBack(
  o: PublishOptions, manifest: Manifest, ours: LatestPointer, seen: LatestSeen, ourGeneration: string, log: Logger,
): Promise<void> {
  const { store, dataset, version } = o;
  const now = await store.read(paths.latest(dataset));
  let pointer: LatestPointer | null = null;
  try {
    pointer = now ? parseLatest(now.data, paths.latest(dataset)) : null;
  } catch (err) {
    if (!(err instanceof CorruptSnapshotError)) throw err;
  }
  if (pointer?.version !== version) {
    log.warn('LATEST already moved past this version', { latest: pointer?.version ?? null });
  }
  const check = await verifyPresence(store, dataset, version, manifest, { manifestSha256: ours.manifest_sha256 ?? null });
  if (check.ok) return;
  if (now && now.generation === ourGeneration && seen.pointer) {
    await store.swap(paths.latest(dataset), encodeLatest(seen.pointer), ourGeneration).catch(() => {});
  }
  assertVerified(check);
}

async function alreadyPublished(o: PublishOptions, log: Logger, manifestUri: string): Promise<PublishResult> {
  return finishPublished({ ...o, log, manifestUri });
}

export interface FinishOptions {
  store: ObjectStore;
  notifier: Notifier;
  dataset: string;
  version: string;
  log?: Logger;
  faults?: FaultHook;
  manifestUri?: string;
}

/**
 * For a version that was already published (LATEST names it, or named it): verifies it and sends the
 * `published` notification if no `_notified` marker records it — a run that crashed between the swap
 * and the notification is finished by the rerun. The plan step's "already published" exit calls this.
 */
export async function finishPublished(o: FinishOptions): Promise<PublishResult> {
  const log = o.log ?? silentLogger;
  const manifestUri = o.manifestUri ?? o.store.uriOf(paths.manifest(o.dataset, o.version));
  let manifest: Manifest;
  try {
    manifest = assertVerified(await verifyVersion(o.store, o.dataset, o.version));
  } catch (err) {
    if (err instanceof CorruptSnapshotError) throw new InfraError(`published version ${o.dataset}/${o.version}: ${err.message}`, { cause: err });
    throw err;
  }
  log.notice('already published', { version: o.version });
  const sent = await ensureNotified(o, manifest, manifestUri, o.faults ?? (() => {}));
  return {
    status: 'already-published', dataset: o.dataset, version: o.version, manifest, manifestUri, reusedShards: 0, latestMoved: false,
    notified: sent !== null, ...(sent ? { messageId: sent } : {}),
  };
}

/** Sends the `published` message unless a `_notified` marker says it was accepted before; returns the message id if sent. */
async function ensureNotified(o: FinishOptions, m: Manifest, manifestUri: string, fault: FaultHook): Promise<string | null> {
  const marker = markers.notified(o.dataset, o.version);
  if (await hasMarker(o.store, marker)) return null;
  await fault('before-notify');
  const attrs: NotificationAttributes = {
    dataset: o.dataset, version: o.version, manifest_uri: manifestUri, as_of: m.as_of, rows: String(m.stats.rows), event: 'published',
  };
  let id: string;
  try {
    id = await o.notifier.publish(attrs);
  } catch (err) {
    throw new InfraError(
      `${o.dataset}/${o.version} is published (LATEST moved) but the notification to ${o.notifier.uri} failed: ` +
        `${(err as Error).message}; rerun to send it again`,
      { cause: err },
    );
  }
  await fault('after-notify');
  await putMarker(o.store, marker, { version: o.version, message_id: id, at: new Date().toISOString() });
  await fault('notified');
  return id;
}
