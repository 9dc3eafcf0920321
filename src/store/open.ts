import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.ts';
import { LocalStore } from './local.ts';
import type { ObjectStore } from './port.ts';

export const DEFAULT_STORE_URI = 'file://./.promoscore/store';

/**
 * Opens the object store a URI names (DESIGN.md): `file://DIR` (relative DIRs resolve against the
 * working directory, e.g. file://./.promoscore/store; file:///abs/dir is absolute) or `gs://BUCKET/PREFIX`.
 */
export async function openStore(uri: string): Promise<ObjectStore> {
  if (uri.startsWith('file://')) return new LocalStore(fileUriToDir(uri, '--store'));
  if (uri.startsWith('gs://')) {
    // loaded on demand: the local path never pays for the Cloud Storage client
    const { createGcsStore } = await import('./gcs.ts');
    return createGcsStore(uri);
  }
  throw new UsageError(`--store "${uri}": unknown scheme (expected file://DIR or gs://BUCKET/PREFIX)`);
}

/** file:///abs -> /abs; file://./rel or file://rel -> rel resolved by the caller's cwd. */
export function fileUriToDir(uri: string, flag: string): string {
  const rest = uri.slice('file://'.length);
  if (rest === '') throw new UsageError(`${flag} "${uri}": no path after file://`);
  if (rest.startsWith('/')) {
    try {
      return fileURLToPath(uri);
    } catch (err) {
      throw new UsageError(`${flag} "${uri}": ${(err as Error).message}`);
    }
  }
  return decodeURIComponent(rest);
}
