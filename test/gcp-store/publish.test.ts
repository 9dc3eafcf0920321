/**
 * The snapshot publish protocol over the GCP adapters, through the real clients against the
 * doubles: the same objects as a local publish, a subscriber that sees exactly the contract, and
 * faults on the way (a 503 on the nth upload, uploads failing for good, a notification timing out
 * after LATEST moved).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, exitCodeOf } from '../../src/core/errors.ts';
import { OutboxNotifier } from '../../src/notify/outbox/notifier.ts';
import type { NotificationAttributes, Notifier } from '../../src/notify/port.ts';
import { createPubSubNotifier } from '../../src/notify/pubsub/notifier.ts';
import { subscribeNotifications } from '../../src/notify/pubsub/subscription.ts';
import { paths } from '../../src/snapshot/contract.ts';
import { publishSnapshot } from '../../src/snapshot/publish.ts';
import { readLatestVerified } from '../../src/snapshot/snapshot-reader.ts';
import { createGcsStore } from '../../src/store/gcs/store.ts';
import { LocalStore } from '../../src/store/local/store.ts';
import type { ObjectStore } from '../../src/store/port.ts';
import { startGcsDouble, type GcsDouble } from '../doubles/gcs/server.ts';
import { makeTable, manifestFields } from '../snapshot/fixtures.ts';
import { openPubSubTarget, type PubSubTarget } from '../gcp-notify/target.ts';
import { eventually } from '../support/wait.ts';
import { gcsTarget } from './target.ts';

const DATASET = 'promo_scores';
const CREATED = new Date('2026-11-25T06:00:00Z');
const V = (n: number) => `2026112${n}-${'abcdef012345'}`;
const asOf = (n: number) => `2026-11-2${n}`;

let gcs: GcsDouble;
let ps: PubSubTarget;
let tmp: string;
let n = 0;
beforeAll(async () => {
  gcs = await startGcsDouble();
  gcs.createBucket('snapshots');
  ps = await openPubSubTarget({ forceDouble: true });
  tmp = await mkdtemp(join(tmpdir(), 'promoscore-gcp-publish-'));
});
afterAll(async () => {
  await gcs?.close();
  await ps?.close();
  await rm(tmp, { recursive: true, force: true });
});

function gsStore(opts: { attempts?: number } = {}): ObjectStore {
  return createGcsStore(gcsTarget(`gs://snapshots/run${++n}`), {
    apiEndpoint: gcs.endpoint,
    retry: { initialDelayMs: 1, maxDelayMs: 5, attempts: opts.attempts ?? 5 },
    // small shards still take the resumable path, as large ones do in production
    resumableThreshold: 16 * 1024,
  });
}

function publish(store: ObjectStore, notifier: Notifier, day: number) {
  return publishSnapshot({
    store,
    notifier,
    dataset: DATASET,
    version: V(day),
    asOf: asOf(day),
    table: makeTable(1200, day),
    buckets: 4,
    manifest: manifestFields(V(day)),
    createdAt: CREATED,
  });
}

describe('publishing a snapshot to gs:// and announcing it on pubsub://', () => {
  it('writes the same objects as a local publish, and a subscriber receives exactly the contract', async () => {
    const t = await ps.makeTopic();
    const received: NotificationAttributes[] = [];
    const sub = await subscribeNotifications(t.subscriptionTarget, async (a) => void received.push(a), { apiEndpoint: ps.apiEndpoint });
    const store = gsStore();
    const notifier = createPubSubNotifier(t.topicTarget, { apiEndpoint: ps.apiEndpoint });
    const mark = gcs.requests.length;
    const r = await publish(store, notifier, 5);
    expect(r.status).toBe('published');
    const uploads = gcs.requests.slice(mark).filter((q) => q.method === 'POST' && q.path.startsWith('/upload/'));
    expect(new Set(uploads.map((q) => q.query.uploadType))).toEqual(new Set(['resumable', 'multipart']));

    const local = new LocalStore(join(tmp, 'local'));
    await publish(local, new OutboxNotifier(join(tmp, 'outbox.ndjson')), 5);
    const contractPaths = (await local.list(`${DATASET}/`))
      .map((o) => o.path)
      .filter((p) => p.endsWith('.arrow') || p.endsWith('manifest.json') || p.endsWith('LATEST'));
    expect(contractPaths.length).toBeGreaterThanOrEqual(3);
    for (const p of contractPaths) {
      const a = (await local.read(p))!.data;
      const b = (await store.read(p))!.data;
      expect(Buffer.compare(Buffer.from(a), Buffer.from(b)), p).toBe(0);
    }

    await eventually(() => received.length === 1, 'the notification');
    await sub.close();
    await notifier.close();
    expect(received[0]).toEqual({
      dataset: DATASET,
      version: V(5),
      manifest_uri: store.uriOf(paths.manifest(DATASET, V(5))),
      as_of: asOf(5),
      rows: '1200',
      event: 'published',
    });
    expect(received[0].manifest_uri).toMatch(/^gs:\/\/snapshots\/run\d+\/promo_scores\/versions\/.+\/manifest\.json$/);
  });

  it('a 503 on the nth upload is retried and the snapshot verifies', async () => {
    const t = await ps.makeTopic();
    const store = gsStore();
    const notifier = createPubSubNotifier(t.topicTarget, { apiEndpoint: ps.apiEndpoint });
    const mark = gcs.requests.length;
    gcs.addFault({ op: 'upload', nth: 3, status: 503 });
    gcs.addFault({ op: 'upload-chunk', nth: 2, status: 503 });
    await publish(store, notifier, 6);
    await notifier.close();
    expect(gcs.requests.slice(mark).filter((r) => r.status === 503)).toHaveLength(2);
    const check = await readLatestVerified(store, DATASET);
    expect(check).toMatchObject({ ok: true, version: V(6) });
  });

  it('uploads failing for good give exit 5 and leave LATEST on the previous version', async () => {
    const t = await ps.makeTopic();
    const store = gsStore({ attempts: 2 });
    const notifier = createPubSubNotifier(t.topicTarget, { apiEndpoint: ps.apiEndpoint });
    await publish(store, notifier, 6);
    for (let i = 1; i <= 40; i++) gcs.addFault({ op: 'upload', nth: i, status: 503 });
    const err = await publish(store, notifier, 7).catch((e: unknown) => e);
    gcs.clearFaults();
    expect(exitCodeOf(err)).toBe(ExitCode.infra);
    expect(await readLatestVerified(store, DATASET)).toMatchObject({ ok: true, version: V(6) });
    await notifier.close();
    expect(ps.double!.published(t.topic).map((m) => m.attributes.version)).toEqual([V(6)]);
  });

  it('a notification that times out after LATEST moved gives exit 5; the rerun sends it', async () => {
    const t = await ps.makeTopic();
    const store = gsStore();
    const slow = createPubSubNotifier(t.topicTarget, { apiEndpoint: ps.apiEndpoint, publishTimeoutMs: 200, attempts: 2, initialDelayMs: 1 });
    ps.double!.addFault({ method: 'Publish', nth: 1, delayMs: 2000 });
    ps.double!.addFault({ method: 'Publish', nth: 2, delayMs: 2000 });
    const err = await publish(store, slow, 8).catch((e: unknown) => e);
    await slow.close();
    expect(exitCodeOf(err)).toBe(ExitCode.infra);
    expect((err as Error).message).toMatch(/LATEST moved/);
    expect(await readLatestVerified(store, DATASET)).toMatchObject({ ok: true, version: V(8) });
    expect(ps.double!.published(t.topic)).toHaveLength(0);

    const notifier = createPubSubNotifier(t.topicTarget, { apiEndpoint: ps.apiEndpoint });
    const again = await publish(store, notifier, 8);
    await notifier.close();
    expect(again.notified).toBe(true);
    expect(ps.double!.published(t.topic).map((m) => m.attributes.version)).toEqual([V(8)]);
  });
});
