import { parseStoreUri } from '../config/uri.ts';
import { LocalStore } from './local/store.ts';
import type { ObjectStore } from './port.ts';

/**
 * Opens the object store a URI names (docs/architecture.md, "Ports"): `file://DIR` (relative DIRs resolve against the
 * working directory, e.g. file://./.promoscore/store; file:///abs/dir is absolute) or `gs://BUCKET/PREFIX`.
 * URIs are parsed by config/uri.ts, so errors name the flag the same way everywhere.
 */
export async function openStore(uri: string, opts: { flag?: string } = {}): Promise<ObjectStore> {
  const target = parseStoreUri(uri, { flag: opts.flag ?? '--store' });
  if (target.kind === 'gcs') {
    // loaded on demand: the local path never pays for the Cloud Storage client
    const { createGcsStore } = await import('./gcs/store.ts');
    return createGcsStore(target);
  }
  return new LocalStore(target.dir);
}
