import { createHash } from 'node:crypto';
/**
 * End to end through the real CLI: `promoscore run --store gs://… --notify pubsub://…`, pointed at
 * the doubles only by STORAGE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST (as a scheduler would point it
 * at emulators). The snapshot must equal the one a local run publishes from the same data, and a
 * subscriber must receive exactly the contract's attributes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationAttributes } from '../../src/notify/port.ts';
import { subscribeNotifications } from '../../src/notify/pubsub/subscription.ts';
import { startGcsDouble, type GcsDouble } from '../doubles/gcs/server.ts';
import { openPubSubTarget, type PubSubTarget } from '../gcp-notify/target.ts';
import { eventually } from '../support/wait.ts';
import { logEntries, runCli } from '../support/cli.ts';

const AS_OF = '2026-11-20';
let root: string;
let sample: string;
let gcs: GcsDouble;
let ps: PubSubTarget;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promoscore-gcp-cli-'));
  sample = join(root, 'sample');
  gcs = await startGcsDouble();
  gcs.createBucket('promo-snapshots');
  ps = await openPubSubTarget(); // Google's emulator when the run has one, else the double
  const r = await runCli(['sample-data', '--out', sample, '--scale', '0.02', '--seed', '11', '--as-of', AS_OF]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => {
  await gcs?.close();
  await ps?.close();
  await rm(root, { recursive: true, force: true });
});

describe('promoscore run to gs:// and pubsub://', () => {
  it('publishes the same snapshot as a local run and announces it with exactly the contract', async () => {
    const t = await ps.makeTopic();
    const received: NotificationAttributes[] = [];
    const sub = await subscribeNotifications(t.subscriptionTarget, async (a) => void received.push(a), { apiEndpoint: ps.apiEndpoint });
    const env = { STORAGE_EMULATOR_HOST: gcs.endpoint, PUBSUB_EMULATOR_HOST: ps.apiEndpoint! };
    const common = ['--warehouse', `parquet:${sample}`, '--as-of', AS_OF, '--no-report'];

    const cloud = await runCli(['run', ...common, '--store', 'gs://promo-snapshots/prod', '--notify', t.topicUri], { env });
    expect(cloud.code, cloud.stderr).toBe(0);
    const summary = logEntries(cloud.stderr).find((e) => e.message === 'run summary')!;
    expect(summary.status).toBe('published');
    const version = summary.version as string;

    const store = join(root, 'local');
    const local = await runCli(['run', ...common, '--store', `file://${store}`, '--notify', `file://${join(root, 'outbox.ndjson')}`]);
    expect(local.code, local.stderr).toBe(0);
    expect(logEntries(local.stderr).find((e) => e.message === 'run summary')!.version).toBe(version);

    // The pointers name the same version and manifest path; each one's digest is of its own manifest,
    // whose created_at (and so whose bytes) differ between the two runs.
    const latest = JSON.parse(gcs.getObject('promo-snapshots', 'prod/promo_scores/LATEST')!.data.toString());
    const localLatest = JSON.parse(await readFile(join(store, 'promo_scores', 'LATEST'), 'utf8'));
    expect({ ...latest, manifest_sha256: undefined }).toEqual({ ...localLatest, manifest_sha256: undefined });
    const cloudManifestBytes = gcs.getObject('promo-snapshots', `prod/promo_scores/versions/${version}/manifest.json`)!.data;
    expect(latest.manifest_sha256).toBe(createHash('sha256').update(cloudManifestBytes).digest('hex'));
    expect(localLatest.manifest_sha256).toBe(createHash('sha256').update(await readFile(join(store, 'promo_scores', 'versions', version, 'manifest.json'))).digest('hex'));
    const manifest = JSON.parse(gcs.getObject('promo-snapshots', `prod/promo_scores/versions/${version}/manifest.json`)!.data.toString());
    const localManifest = JSON.parse(await readFile(join(store, 'promo_scores', 'versions', version, 'manifest.json'), 'utf8'));
    expect(manifest.shards).toEqual(localManifest.shards);
    expect(manifest.stats).toEqual(localManifest.stats);
    expect(manifest.shards.length).toBeGreaterThan(0);
    for (const s of manifest.shards) {
      const cloudBytes = gcs.getObject('promo-snapshots', `prod/promo_scores/versions/${version}/${s.path}`)!.data;
      const localBytes = await readFile(join(store, 'promo_scores', 'versions', version, s.path));
      expect(Buffer.compare(cloudBytes, localBytes), s.path).toBe(0);
    }

    await eventually(() => received.length === 1, 'the notification');
    await sub.close();
    expect(received[0]).toEqual({
      dataset: 'promo_scores',
      version,
      manifest_uri: `gs://promo-snapshots/prod/promo_scores/versions/${version}/manifest.json`,
      as_of: AS_OF,
      rows: String(manifest.stats.rows),
      event: 'published',
    });
  });
});
