import type { ObjectStore } from '../store/port.ts';
import type { Manifest } from '../snapshot/contract.ts';
import { readManifest, type LatestState } from '../snapshot/read.ts';
import { compareAsOf } from '../snapshot/version.ts';

/**
 * The version a run warm-starts its solver from: the newest published version with an as-of older
 * than the run's, found by following `previous_version` back from LATEST. It is part of the run's
 * identity (the solver is exact only to its certified gap, so a different start can give different
 * bytes): a rerun of the same as-of, even after LATEST moved past it or onto it, finds the same
 * source and so the same version id and the same shards.
 */
export async function warmStartSource(store: ObjectStore, dataset: string, asOf: string, latest: LatestState | null): Promise<Manifest | null> {
  let version = latest?.pointer.version ?? null;
  const seen = new Set<string>();
  while (version && !seen.has(version) && seen.size < 1000) {
    seen.add(version);
    let m: Manifest;
    try {
      m = await readManifest(store, dataset, version);
    } catch {
      return null; // an unreadable link ends the chain: a cold start is always correct
    }
    if (compareAsOf(m.as_of, asOf) < 0) return m;
    version = m.previous_version;
  }
  return null;
}
