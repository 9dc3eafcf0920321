import { CorruptSnapshotError, InfraError, UsageError } from '../core/errors.ts';
import { silentLogger, type Logger } from '../observability/log.ts';
import type { ObjectStore } from '../store/port.ts';
import { paths } from './contract.ts';
import { checkSegment } from './markers.ts';
import { readLatest } from './read.ts';
import { listVersions, type VersionSummary } from './snapshot-reader.ts';

export const DEFAULT_GRACE_MS = 60 * 60 * 1000;

export interface GcOptions {
  /** how many published versions before LATEST's to keep */
  keep: number;
  /** versions with an object younger than this are spared: a run may still be writing them */
  graceMs?: number;
  now?: Date;
  dryRun?: boolean;
  log?: Logger;
}

export type KeepReason = 'latest' | 'recent' | 'lineage' | 'young';

export interface GcResult {
  kept: { version: string; reasons: KeepReason[] }[];
  deleted: { version: string; objects: number; bytes: number; complete: boolean }[];
  /** temp files of crashed writers removed (by stores that have them) */
  tempFiles: number;
  dryRun: boolean;
}

/**
 * Deletes orphans (versions never published: lost races, crashed runs) and versions older than the
 * N published before LATEST's. Never deletes LATEST's version, the N before it (by as-of; "published"
 * means announced, or on LATEST's previous_version lineage), nor any version with an object younger
 * than the grace period. Rollback markers are kept forever. Refuses to run when LATEST is unreadable,
 * since then nothing says what must be kept.
 */
export async function gc(store: ObjectStore, dataset: string, opts: GcOptions): Promise<GcResult> {
  checkSegment('dataset', dataset);
  if (!Number.isInteger(opts.keep) || opts.keep < 0) throw new UsageError(`--keep must be a non-negative integer, got ${opts.keep}`);
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  if (!(graceMs >= 0)) throw new UsageError(`--grace must be a non-negative duration`);
  const now = (opts.now ?? new Date()).getTime();
  const log = (opts.log ?? silentLogger).child({ dataset });

  let latestVersion: string | null;
  try {
    latestVersion = (await readLatest(store, dataset))?.pointer.version ?? null;
  } catch (err) {
    if (err instanceof CorruptSnapshotError) throw new InfraError(`gc refused: ${err.message}; fix or roll back LATEST first`);
    throw err;
  }
  const versions = await listVersions(store, dataset);
  const byId = new Map(versions.map((v) => [v.version, v]));
  const reasons = new Map<string, Set<KeepReason>>();
  const keep = (v: string, r: KeepReason) => {
    const s = reasons.get(v) ?? new Set<KeepReason>();
    s.add(r);
    reasons.set(v, s);
  };

  if (!latestVersion && versions.some((v) => v.notified)) {
    // versions were published, so a LATEST existed: without it nothing says what must be kept
    throw new InfraError(
      `gc refused: ${paths.latest(dataset)} is missing but versions were published; restore it with \`snapshots rollback VERSION\` first`,
    );
  }
  if (latestVersion) {
    const latest = byId.get(latestVersion);
    if (!latest?.complete) {
      throw new InfraError(`gc refused: ${paths.latest(dataset)} names ${latestVersion}, which has no readable manifest`);
    }
    keep(latestVersion, 'latest');
    // lineage: the versions LATEST replaced, as its manifests record them
    let cur: VersionSummary | undefined = latest;
    for (let i = 0; i < opts.keep && cur?.manifest?.previous_version; i++) {
      keep(cur.manifest.previous_version, 'lineage');
      cur = byId.get(cur.manifest.previous_version);
    }
    // the N announced versions before LATEST's, in as-of order
    const idx = versions.indexOf(latest);
    let left = opts.keep;
    for (let i = idx - 1; i >= 0 && left > 0; i--) {
      const v = versions[i];
      if (v.complete && v.notified) {
        keep(v.version, 'recent');
        left--;
      }
    }
  }
  for (const v of versions) {
    const updated = Date.parse(v.updated);
    if (!Number.isFinite(updated) || now - updated < graceMs) keep(v.version, 'young');
  }

  const result: GcResult = { kept: [], deleted: [], tempFiles: 0, dryRun: !!opts.dryRun };
  for (const v of versions) {
    const r = reasons.get(v.version);
    if (r) {
      result.kept.push({ version: v.version, reasons: [...r].sort() });
      continue;
    }
    result.deleted.push({ version: v.version, objects: v.objects, bytes: v.bytes, complete: v.complete });
    if (!opts.dryRun) await deleteVersion(store, dataset, v.version);
    log.info(opts.dryRun ? 'would delete' : 'deleted', { version: v.version, objects: v.objects, bytes: v.bytes });
  }
  if (!opts.dryRun && store.sweepTemp) result.tempFiles = await store.sweepTemp(graceMs);
  return result;
}

/** Manifest first, so a half-deleted version never looks complete; markers last. */
async function deleteVersion(store: ObjectStore, dataset: string, version: string): Promise<void> {
  const objs = await store.list(paths.versionDir(dataset, version));
  const manifest = paths.manifest(dataset, version);
  const rank = (p: string) => (p === manifest ? 0 : p.slice(p.lastIndexOf('/') + 1).startsWith('_') ? 2 : 1);
  objs.sort((a, b) => rank(a.path) - rank(b.path));
  for (const o of objs) await store.delete(o.path);
}

/** Parses durations like 90s, 30m, 2h, 1d, or plain milliseconds. */
export function parseDuration(text: string, flag = '--grace'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: "${text}" is not a duration (e.g. 30m, 2h, 1d, 0)`);
  const unit = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[(m[2] ?? 'ms') as 'ms'];
  return Number(m[1]) * unit;
}
