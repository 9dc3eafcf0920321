/**
 * Version arguments of the commands that read snapshots: a version that is not in the store is the
 * caller's mistake (exit 2, naming where to look), never an infrastructure failure to retry.
 */
import { CorruptSnapshotError, UsageError } from '../core/errors.ts';
import { paths, type Manifest } from '../snapshot/contract.ts';
import { checkSegment } from '../snapshot/markers.ts';
import { readLatest, readManifest } from '../snapshot/read.ts';
import type { ObjectStore } from '../store/port.ts';

/** Exit 2 unless some object of `version` exists (a complete, incomplete or damaged version passes). */
export async function requireVersion(store: ObjectStore, dataset: string, version: string, name = 'VERSION'): Promise<void> {
  checkSegment(name, version);
  const objects = await store.list(paths.versionDir(dataset, version));
  if (objects.length === 0) {
    throw new UsageError(`${name}: no version ${version} of ${dataset} in ${store.uri} (see \`promoscore snapshots list\`)`);
  }
}

/** The asked version, or the one LATEST names when none is asked. */
export async function resolveVersion(store: ObjectStore, dataset: string, version: string | undefined): Promise<string> {
  if (version) {
    checkSegment('VERSION', version);
    return version;
  }
  const latest = await readLatest(store, dataset);
  if (!latest) throw new UsageError(`${dataset} has no LATEST in ${store.uri}: nothing published yet (see \`snapshots list\`)`);
  return latest.pointer.version;
}

/** A version's manifest; a missing or unreadable one is the caller's mistake (exit 2), not the store's. */
export async function manifestOf(store: ObjectStore, dataset: string, version: string): Promise<Manifest> {
  try {
    return await readManifest(store, dataset, version);
  } catch (err) {
    if (err instanceof CorruptSnapshotError) throw new UsageError(`${dataset}/${version}: ${err.message}`);
    throw err;
  }
}

/** The market and surface asked must be ones the snapshot has: a typo names what exists. */
export function checkKey(manifest: Manifest, market: string | undefined, surface: string | undefined): void {
  const groups = manifest.stats.by_market_surface;
  const surfaces = [...new Set(groups.map((g) => g.surface))].sort();
  const markets = [...new Set(groups.map((g) => g.market))].sort();
  const where = `${manifest.dataset} ${manifest.version}`;
  if (surface !== undefined && !surfaces.includes(surface)) throw new UsageError(`--surface: "${surface}" is not a surface of ${where} (it has ${surfaces.join(', ')})`);
  if (market !== undefined && !markets.includes(market)) throw new UsageError(`--market: ${market} is not a market of ${where} (it has ${markets.length}: ${markets.join(', ')})`);
}
