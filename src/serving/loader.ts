import { CorruptSnapshotError } from '../core/errors.ts';
import type { NotificationAttributes } from '../notify/port.ts';
import { silentLogger, type Logger } from '../observability/log.ts';
import { paths, type Manifest } from '../snapshot/contract.ts';
import { latestManifestDigest, readLatest, readManifest } from '../snapshot/read.ts';
import { compareAsOf } from '../snapshot/version.ts';
import type { ObjectStore } from '../store/port.ts';
import { loadSnapshot, selectedShards, type LoadedSnapshot, type LoadOptions, type ShardSelection } from './load-snapshot.ts';
import { ServingMetrics } from './metrics.ts';
import { sleep } from '../core/sleep.ts';
import { jitterDelay, seededRng, type Rng } from './rng.ts';
import type { ScoreRow } from './score-index.ts';
import { workerLoadPool, type LoadPool } from './load-pool.ts';
import { compareVersions, versionKey, type VersionKey } from './version-order.ts';

/**
 * The embeddable serving cache: holds one verified snapshot and swaps in newer ones atomically.
 *
 * - A lookup reads `current` once, so every answer comes from exactly one version.
 * - Loads run one at a time; a failed load leaves the served version untouched and is recorded in
 *   `lastError`, the logs and the metrics.
 * - Notifications only move forward (see version-order.ts); a duplicate or older one is ignored.
 *   A `rolled_back` event loads the named version even though it is older, and retracts the
 *   versions after it that were seen so far, so a redelivered notification cannot undo it.
 * - Following LATEST (polling) takes LATEST as the truth, including a move back (a rollback).
 */
export interface ScoreCacheOptions extends Omit<LoadOptions, 'rng' | 'manifest' | 'pool'> {
  store: ObjectStore;
  dataset: string;
  logger?: Logger;
  metrics?: ServingMetrics;
  /** random delay before a reload triggered by a notification or a LATEST change, ms (default 0) */
  jitterMs?: number;
  /** seed for jitter (default: the process id, so replicas differ) */
  seed?: number;
  /** verify and index shard files on worker threads (default true; false: on the main thread) */
  verifyInWorker?: boolean;
  /** how many load workers (default: the machine's cores, at most 4) */
  loadWorkers?: number;
  /**
   * smallest snapshot (rows to load) worth starting the load workers for (default 4,000,000): a
   * worker costs ~0.3 s of CPU to start, more than it saves on a small snapshot (1M rows: 0.4 s on the
   * main thread alone, 0.7 s with a worker started for it). Workers already running are always used.
   */
  workerMinRows?: number;
}

const WORKER_MIN_ROWS = 4_000_000;

export type LoadStatus = 'loaded' | 'duplicate' | 'older' | 'retracted' | 'known_bad' | 'other_dataset' | 'invalid' | 'no_latest' | 'failed';

export interface LoadOutcome {
  status: LoadStatus;
  version: string | null;
  detail?: string;
  /** for 'failed': whether trying again may help (store trouble) or not (corrupt snapshot) */
  retryable?: boolean;
}

export interface LookupResult {
  version: string;
  rows: ScoreRow[] | null;
}

export interface LoadError {
  version: string | null;
  message: string;
  at: string;
}

const EVENTS = new Set(['published', 'rolled_back']);

export class ScoreCache {
  private snap: LoadedSnapshot | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly rng: Rng;
  private readonly seen = new Map<string, VersionKey>();
  private readonly retracted = new Set<string>();
  private readonly bad = new Set<string>();
  private latestGeneration: string | null = null;
  readonly metrics: ServingMetrics;
  readonly logger: Logger;
  lastError: LoadError | null = null;
  private readonly pool: LoadPool | null;

  readonly opts: ScoreCacheOptions;

  constructor(opts: ScoreCacheOptions) {
    this.opts = opts;
    this.rng = seededRng(opts.seed ?? process.pid);
    this.pool = opts.verifyInWorker === false ? null : workerLoadPool(opts.loadWorkers);
    this.metrics = opts.metrics ?? new ServingMetrics();
    this.logger = opts.logger ?? silentLogger;
  }

  get dataset(): string {
    return this.opts.dataset;
  }

  /** The version being served, or null before the first verified load. */
  get current(): LoadedSnapshot | null {
    return this.snap;
  }

  get ready(): boolean {
    return this.snap !== null;
  }

  /** All campaign rows of the key (best first) from the served version; null when not ready. */
  lookup(trackId: string, market: string, surface: string): LookupResult | null {
    const snap = this.snap;
    if (!snap) return null;
    return { version: snap.version, rows: snap.index.lookup(trackId, market, surface) };
  }

  /** Loads whatever LATEST names when it differs from the served version (first load, polling). */
  loadLatest(opts: { jitter?: boolean } = {}): Promise<LoadOutcome> {
    return this.serialize(async () => {
      let latest;
      try {
        latest = await readLatest(this.opts.store, this.opts.dataset);
      } catch (err) {
        return this.failed(null, err);
      }
      if (!latest) {
        const outcome: LoadOutcome = { status: 'no_latest', version: null, detail: `${paths.latest(this.opts.dataset)} does not exist` };
        if (!this.snap) this.recordError(null, outcome.detail!);
        return this.count(outcome, 'poll');
      }
      const { version } = latest.pointer;
      if (this.snap?.version === version) {
        this.latestGeneration = latest.generation;
        return this.count({ status: 'duplicate', version }, 'poll');
      }
      // a corrupt version is not retried until LATEST is rewritten
      if (this.bad.has(version) && this.latestGeneration === latest.generation) {
        return this.count({ status: 'known_bad', version }, 'poll');
      }
      this.latestGeneration = latest.generation;
      if (latest.pointer.manifest !== paths.manifestRel(version)) {
        return this.failed(version, new CorruptSnapshotError(`LATEST names manifest ${latest.pointer.manifest}, expected ${paths.manifestRel(version)}`), 'poll');
      }
      if (opts.jitter) await sleep(jitterDelay(this.rng, this.opts.jitterMs ?? 0));
      return this.load(version, null, 'poll', latest.pointer.manifest_sha256 ?? null);
    });
  }

  /** Cheap check for pollers: LATEST's generation, or null when absent. */
  async latestGenerationChanged(): Promise<boolean> {
    const info = await this.opts.store.stat(paths.latest(this.opts.dataset));
    return (info?.generation ?? null) !== this.latestGeneration;
  }

  /**
   * Handles a snapshot notification's attributes. Resolves once the new version is swapped in (or the
   * message is found not to need it): the caller acks then. `failed` with `retryable` → nack.
   */
  handleNotification(attrs: Partial<Record<keyof NotificationAttributes, string>>): Promise<LoadOutcome> {
    return this.serialize(async () => {
      const { dataset, version, event } = attrs;
      if (typeof version !== 'string' || !version || typeof event !== 'string' || !EVENTS.has(event)) {
        return this.count({ status: 'invalid', version: version ?? null, detail: `notification lacks a version or has event ${JSON.stringify(event)}` }, 'notification');
      }
      if (dataset !== this.opts.dataset) {
        return this.count({ status: 'other_dataset', version, detail: `dataset ${JSON.stringify(dataset)}` }, 'notification');
      }
      if (attrs.manifest_uri && attrs.manifest_uri !== this.opts.store.uriOf(paths.manifest(this.opts.dataset, version))) {
        this.logger.warn('notification names a manifest outside this store; loading from the store', { version, manifest_uri: attrs.manifest_uri });
      }
      if (this.snap?.version === version) return this.count({ status: 'duplicate', version }, 'notification');
      if (this.bad.has(version)) return this.count({ status: 'known_bad', version }, 'notification');
      const rollback = event === 'rolled_back';
      if (!rollback) {
        if (this.retracted.has(version)) return this.count({ status: 'retracted', version }, 'notification');
        // cheap rejection before any read: an older as-of can never be newer
        if (this.snap && typeof attrs.as_of === 'string' && compareAsOf(attrs.as_of, this.snap.manifest.as_of) < 0) {
          return this.count({ status: 'older', version, detail: `as_of ${attrs.as_of} < served ${this.snap.manifest.as_of}` }, 'notification');
        }
      }
      // jitter spreads a fleet's reloads; a replica with nothing to serve yet loads at once
      if (this.opts.jitterMs && this.snap) await sleep(jitterDelay(this.rng, this.opts.jitterMs));
      return this.load(version, rollback ? 'rollback' : 'forward', 'notification');
    });
  }

  /** Stops the load workers (the served version stays readable). */
  async close(): Promise<void> {
    await this.queue;
    await this.pool?.close();
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private count(outcome: LoadOutcome, source: string): LoadOutcome {
    this.metrics.notifications.inc({ source, outcome: outcome.status });
    return outcome;
  }

  /** Records a failure outside a load (a notification subscription that died) for /v1/status. */
  reportError(message: string): void {
    this.recordError(null, message);
  }

  private recordError(version: string | null, message: string): void {
    this.lastError = { version, message, at: new Date().toISOString() };
    this.metrics.lastFailureAt = Date.now();
  }

  private failed(version: string | null, err: unknown, source = 'poll'): LoadOutcome {
    const corrupt = err instanceof CorruptSnapshotError;
    const message = (err as Error)?.message ?? String(err);
    if (corrupt && version) this.bad.add(version);
    this.recordError(version, message);
    this.metrics.loadFailures.inc({ reason: corrupt ? 'corrupt' : 'store' });
    this.logger.error('snapshot load failed; still serving the previous version', {
      dataset: this.opts.dataset,
      version,
      serving: this.snap?.version ?? null,
      error: message,
    });
    return this.count({ status: 'failed', version, detail: message, retryable: !corrupt }, source);
  }

  /**
   * mode null: follow LATEST; 'forward': only if newer; 'rollback': the named version regardless.
   * `manifestSha256`: LATEST's digest of the manifest (null: it has none); left out, it is looked up,
   * so a notified version that LATEST names is held to it too.
   */
  private async load(version: string, mode: 'forward' | 'rollback' | null, source: string, manifestSha256?: string | null): Promise<LoadOutcome> {
    const { store, dataset } = this.opts;
    try {
      const digest = manifestSha256 === undefined ? await latestManifestDigest(store, dataset, version) : (manifestSha256 ?? undefined);
      const manifest = await readManifest(store, dataset, version, digest);
      const key = versionKey(manifest);
      if (mode === 'forward' && this.snap && compareVersions(key, versionKey(this.snap.manifest)) <= 0) {
        return this.count({ status: 'older', version, detail: `not newer than served ${this.snap.version}` }, source);
      }
      const snap = await loadSnapshot(store, dataset, version, {
        shards: this.opts.shards,
        concurrency: this.opts.concurrency,
        retries: this.opts.retries,
        retryBaseMs: this.opts.retryBaseMs,
        rng: this.rng,
        manifest,
        pool: this.pool && (this.pool.started || rowsToLoad(manifest, this.opts.shards ?? null) >= (this.opts.workerMinRows ?? WORKER_MIN_ROWS)) ? this.pool : null,
      });
      const previous = this.snap;
      this.snap = snap; // the swap: one assignment, so readers see the old or the new version, never a mix
      this.seen.set(version, key);
      // a rollback, or LATEST (the truth when polled) moved back: what came after is retracted, so a
      // redelivered notification of it cannot bring it back
      if (mode !== 'forward') {
        for (const [v, k] of this.seen) if (compareVersions(k, key) > 0) this.retracted.add(v);
      }
      this.retracted.delete(version);
      this.metrics.observeLoad(snap.loadSeconds);
      this.metrics.snapshot = {
        dataset,
        version,
        createdAt: Date.parse(manifest.created_at) || snap.loadedAt,
        rows: snap.index.rows,
        keys: snap.index.keys,
        loadedAt: snap.loadedAt,
      };
      this.logger.info(mode === 'rollback' ? 'rolled back snapshot' : 'serving snapshot', {
        dataset,
        version,
        previous: previous?.version ?? null,
        rows: snap.index.rows,
        keys: snap.index.keys,
        files: snap.files,
        bytes: snap.bytes,
        load_seconds: Number(snap.loadSeconds.toFixed(3)),
        lanes: snap.lanes,
      });
      return this.count({ status: 'loaded', version }, source);
    } catch (err) {
      return this.failed(version, err, source);
    }
  }
}

/** Rows a load of this manifest reads, with the cache's shard selection. */
function rowsToLoad(manifest: Manifest, shards: ShardSelection | null): number {
  return selectedShards(manifest, shards).reduce((n, e) => n + e.rows, 0);
}
