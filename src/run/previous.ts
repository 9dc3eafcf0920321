import type { Logger } from '../observability/log.ts';
import type { ObjectStore } from '../store/port.ts';
import type { Manifest } from '../snapshot/contract.ts';
import { readManifest, type LatestState } from '../snapshot/read.ts';
import { compareAsOf } from '../snapshot/version.ts';

/**
 * What was published before a run: the manifest LATEST names (the drift baseline) and the version
 * the solver warm-starts from. Both are read once per run from the same LATEST.
 */

/** The manifest LATEST names, or null when there is none or it is unreadable (then: no drift gate). */
export async function latestManifest(store: ObjectStore, dataset: string, latest: LatestState | null, log: Logger): Promise<Manifest | null> {
  if (!latest) return null;
  try {
    return await readManifest(store, dataset, latest.pointer.version);
  } catch (err) {
    log.warn('previous manifest unreadable: no drift gate', { error: (err as Error).message });
    return null;
  }
}

/**
 * The version a run warm-starts its solver from: the newest published version with an as-of older
 * than the run's, found by following `previous_version` back from LATEST's manifest. It is part of
 * the run's identity (the solver is exact only to its certified gap, so a different start can give
 * different bytes): a rerun of the same as-of, even after LATEST moved past it or onto it, finds the
 * same source and so the same version id and the same shards.
 */
export async function warmStartSource(store: ObjectStore, dataset: string, asOf: string, latest: Manifest | null): Promise<Manifest | null> {
  let m = latest;
  const seen = new Set<string>();
  while (m && !seen.has(m.version) && seen.size < 1000) {
    if (compareAsOf(m.as_of, asOf) < 0) return m;
    seen.add(m.version);
    if (!m.previous_version) return null;
    try {
      m = await readManifest(store, dataset, m.previous_version);
    } catch {
      return null; // an unreadable link ends the chain: a cold start is always correct
    }
  }
  return null;
}
