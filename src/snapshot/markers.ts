import { PreconditionFailedError, UsageError } from '../core/errors.ts';
import type { ObjectStore } from '../store/port.ts';
import { paths } from './contract.ts';

/**
 * Small marker objects that record what happened to a version, written create-only so that
 * concurrent writers agree and a rerun can tell what is left to do:
 * - `<dataset>/versions/<v>/_notified`: the `published` notification was accepted;
 * - `<dataset>/rolled_back/<v>`: the version was rolled back (kept outside the version directory,
 *   so it outlives gc and still stops a rerun of the same identity from bringing it back);
 * - `<dataset>/rolled_back/<v>.notified`: the `rolled_back` notification of that rollback was accepted.
 */
export const markers = {
  notified: (dataset: string, version: string) => `${paths.versionDir(dataset, version)}_notified`,
  rolledBackDir: (dataset: string) => `${dataset}/rolled_back/`,
  rolledBack: (dataset: string, version: string) => `${dataset}/rolled_back/${version}`,
  rollbackNotified: (dataset: string, version: string) => `${dataset}/rolled_back/${version}.notified`,
};

/** Names inside a version directory that are markers, not shards or the manifest. */
export function isMarkerName(file: string): boolean {
  return file.startsWith('_');
}

/** Creates a marker; an existing one is fine (another writer got there first). */
export async function putMarker(store: ObjectStore, path: string, body: Record<string, unknown>): Promise<void> {
  try {
    await store.create(path, new TextEncoder().encode(JSON.stringify(body) + '\n'), { contentType: 'application/json' });
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err;
  }
}

export async function hasMarker(store: ObjectStore, path: string): Promise<boolean> {
  return (await store.stat(path)) !== null;
}

/** True when `version` was rolled back: a rerun of its identity must not bring it back unless forced. */
export async function isRolledBack(store: ObjectStore, dataset: string, version: string): Promise<boolean> {
  return hasMarker(store, markers.rolledBack(dataset, version));
}

/** Dataset and version names become path segments: refuse anything that could escape one. */
export function checkSegment(kind: string, value: string): void {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/.test(value) || value.includes('..')) {
    throw new UsageError(`${kind} "${value}" must be letters, digits, _ . - (not starting with . or -, no "..")`);
  }
}
