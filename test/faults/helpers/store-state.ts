import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { openStore } from '../../../src/store/open.ts';
import { readLatest } from '../../../src/snapshot/read.ts';
import { listVersions, verifyVersion } from '../../../src/snapshot/snapshot-reader.ts';

/** What a store holds for a dataset, checked the way a serving layer would. */
export interface StoreState {
  latest: string | null;
  /** LATEST names a version whose every checksum verifies (true when there is no LATEST) */
  latestSound: boolean;
  latestError?: string;
  versions: { version: string; complete: boolean; notified: boolean; asOf: string | null }[];
  /** `published` notifications in the outbox, by version */
  announced: string[];
}

export const DATASET = 'promo_scores';

export function storeUri(dir: string): string {
  return pathToFileURL(dir).href;
}

export async function storeState(storeDir: string, outbox: string, dataset = DATASET): Promise<StoreState> {
  const store = await openStore(storeUri(storeDir));
  try {
    const latest = await readLatest(store, dataset);
    let latestSound = true;
    let latestError: string | undefined;
    if (latest) {
      const check = await verifyVersion(store, dataset, latest.pointer.version);
      latestSound = check.ok;
      if (!check.ok) latestError = check.manifestError ?? [...check.errors, ...check.shards.filter((s) => !s.ok).map((s) => s.error)].join('; ');
    }
    const versions = (await listVersions(store, dataset)).map((v) => ({ version: v.version, complete: v.complete, notified: v.notified, asOf: v.as_of }));
    const announced = existsSync(outbox)
      ? readFileSync(outbox, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { attributes?: Record<string, string> } & Record<string, unknown>)
          .filter((m) => (m.attributes ?? m).event === 'published')
          .map((m) => String((m.attributes ?? m).version))
      : [];
    return { latest: latest?.pointer.version ?? null, latestSound, latestError, versions, announced };
  } finally {
    await store.close?.();
  }
}
