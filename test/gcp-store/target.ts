/**
 * Where the GCS suites run: the in-process double by default; a real emulator when
 * STORAGE_EMULATOR_HOST is set (fake-gcs-server or similar); real Cloud Storage with Application
 * Default Credentials when PROMOSCORE_TEST_GCS_URI=gs://BUCKET/PREFIX is set.
 */
import { randomBytes } from 'node:crypto';
import { parseStoreUri, type GcsTarget as GcsUri } from '../../src/config/uri.ts';
import { createGcsStore, makeGcsClient, type GcsStoreOptions } from '../../src/store/gcs/store.ts';
import type { ObjectStore } from '../../src/store/port.ts';
import { startGcsDouble, type GcsDouble } from '../doubles/gcs/server.ts';

export interface GcsTarget {
  label: string;
  /** a fresh, empty store under a unique prefix */
  makeStore(opts?: GcsStoreOptions): Promise<ObjectStore>;
  /** removes what makeStore's stores wrote (real services only; the double is dropped whole) */
  cleanup(store: ObjectStore): Promise<void>;
  close(): Promise<void>;
}

const FAST_RETRY = { initialDelayMs: 1, maxDelayMs: 20 };

export async function openGcsTarget(): Promise<GcsTarget> {
  const real = process.env.PROMOSCORE_TEST_GCS_URI;
  const emulator = process.env.STORAGE_EMULATOR_HOST;
  if (real || emulator) {
    let base = real ?? 'gs://promoscore-test';
    const apiEndpoint = real ? undefined : emulator!.replace(/\/storage\/v1\/?$/, '').replace(/^(?!https?:\/\/)/, 'http://');
    if (!real) {
      // An emulator starts empty: make the bucket through the client.
      const storage = makeGcsClient({ apiEndpoint, projectId: 'promoscore-test' });
      const bucket = base.slice('gs://'.length);
      const [exists] = await storage.bucket(bucket).exists();
      if (!exists) await storage.createBucket(bucket);
    }
    base = base.replace(/\/+$/, '');
    return {
      label: real ? `Cloud Storage ${real}` : `emulator ${emulator}`,
      async makeStore(opts = {}) {
        return createGcsStore(gcsTarget(`${base}/t-${randomBytes(6).toString('hex')}`), { apiEndpoint, retry: { initialDelayMs: 50 }, ...opts });
      },
      async cleanup(store) {
        for (const o of await store.list('')) await store.delete(o.path);
      },
      async close() {},
    };
  }
  const double: GcsDouble = await startGcsDouble({ maxPageSize: 3 });
  double.createBucket('promoscore-test');
  return {
    label: 'GCS double',
    async makeStore(opts = {}) {
      return createGcsStore(gcsTarget(`gs://promoscore-test/t-${randomBytes(6).toString('hex')}`), {
        apiEndpoint: double.endpoint,
        retry: FAST_RETRY,
        ...opts,
      });
    },
    async cleanup() {},
    close: () => double.close(),
  };
}

/** `gs://BUCKET/PREFIX` parsed as config/uri.ts hands it to the adapter. */
export function gcsTarget(uri: string): GcsUri {
  const t = parseStoreUri(uri);
  if (t.kind !== 'gcs') throw new Error(`${uri} is not a gs:// URI`);
  return t;
}
