/**
 * The URI openers reach the GCP adapters, configured only by the emulator variables (this is how
 * the CLI is pointed at local doubles or emulators).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNotifier } from '../../src/notify/open.ts';
import { openStore } from '../../src/store/open.ts';
import { startGcsDouble, type GcsDouble } from '../doubles/gcs/server.ts';
import { openPubSubTarget, type PubSubTarget } from './target.ts';

let gcs: GcsDouble;
let ps: PubSubTarget;
const saved = { storage: process.env.STORAGE_EMULATOR_HOST, pubsub: process.env.PUBSUB_EMULATOR_HOST };
beforeAll(async () => {
  gcs = await startGcsDouble();
  gcs.createBucket('open-bucket');
  ps = await openPubSubTarget({ forceDouble: true }); // the double: its publish log shows where the message went
  process.env.STORAGE_EMULATOR_HOST = gcs.endpoint;
  process.env.PUBSUB_EMULATOR_HOST = ps.double!.endpoint;
});
afterAll(async () => {
  for (const [k, v] of [['STORAGE_EMULATOR_HOST', saved.storage], ['PUBSUB_EMULATOR_HOST', saved.pubsub]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await gcs.close();
  await ps.close();
});

describe('openStore / openNotifier with emulator variables', () => {
  it('gs:// opens the Cloud Storage store, uploads included (no mis-routing)', async () => {
    const store = await openStore('gs://open-bucket/prefix/');
    expect(store.uri).toBe('gs://open-bucket/prefix');
    await store.create('ds/a', new TextEncoder().encode('x'));
    const big = new Uint8Array(9 * 1024 * 1024).fill(7); // above the resumable threshold
    await store.create('ds/big', big);
    expect(gcs.objectNames('open-bucket')).toEqual(['prefix/ds/a', 'prefix/ds/big']);
    expect((await store.read('ds/big'))!.data.byteLength).toBe(big.byteLength);
    expect(gcs.requests.some((r) => r.query.uploadType === 'resumable')).toBe(true);
  });

  it('pubsub:// opens the Pub/Sub notifier', async () => {
    const t = await ps.makeTopic();
    const n = await openNotifier(t.topicUri);
    const id = await n.publish({ dataset: 'd', version: 'v', manifest_uri: 'gs://b/d/versions/v/manifest.json', as_of: '2026-11-25', rows: '1', event: 'published' });
    await n.close();
    expect(ps.double!.published(t.topic).map((m) => m.messageId)).toEqual([id]);
  });
});
