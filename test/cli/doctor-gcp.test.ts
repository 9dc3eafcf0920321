import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerDoctor, type DoctorReport } from '../../src/cli/doctor.ts';
import { makePubSub } from '../../src/notify/pubsub/client.ts';
import { startGcsDouble, type GcsDouble } from '../doubles/gcs/server.ts';
import { startPubSubDouble, type PubSubDouble } from '../doubles/pubsub/server.ts';
import { runInProcess } from '../support/in-process.ts';

/** doctor against Cloud Storage and Pub/Sub (the in-process doubles, reached the way an emulator is). */
let gcs: GcsDouble;
let pubsub: PubSubDouble;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  gcs = await startGcsDouble();
  gcs.createBucket('promo-doctor');
  pubsub = await startPubSubDouble();
  const admin = makePubSub('doctor-proj', { apiEndpoint: pubsub.endpoint });
  await admin.createTopic('promo-scores');
  await admin.close();
  env = {
    PROMOSCORE_LOG_FORMAT: 'json',
    STORAGE_EMULATOR_HOST: gcs.endpoint,
    PUBSUB_EMULATOR_HOST: pubsub.endpoint,
    PROMOSCORE_WAREHOUSE: undefined,
    PROMOSCORE_STORE: 'gs://promo-doctor/prod',
    PROMOSCORE_NOTIFY: 'pubsub://projects/doctor-proj/topics/promo-scores',
  };
});
afterAll(async () => {
  await gcs?.close();
  await pubsub?.close();
});

const doctor = async (e: Record<string, string | undefined> = {}) => {
  const r = await runInProcess([registerDoctor], ['doctor', '--json'], { ...env, ...e });
  return { ...r, report: JSON.parse(r.stdout) as DoctorReport };
};

describe('doctor on Cloud Storage and Pub/Sub', () => {
  it('exit 0 when the bucket and the topic are there; the probe object is gone after', async () => {
    const r = await doctor();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.report.checks.map((c) => [c.check, c.source, c.ok])).toEqual([
      ['config', 'default', true], ['warehouse', 'default', true], ['store', 'env', true], ['notifier', 'env', true],
    ]);
    expect(gcs.objectNames('promo-doctor')).toEqual([]);
    expect(pubsub.published('projects/doctor-proj/topics/promo-scores')).toEqual([]);
  });

  it('exit 5 naming the missing bucket and the missing topic', async () => {
    const r = await doctor({ PROMOSCORE_STORE: 'gs://no-such-bucket/x', PROMOSCORE_NOTIFY: 'pubsub://projects/doctor-proj/topics/missing' });
    expect(r.code).toBe(5);
    const by = Object.fromEntries(r.report.checks.map((c) => [c.check, c]));
    expect(by.store!.ok).toBe(false);
    expect(by.notifier!.ok).toBe(false);
    expect(by.notifier!.detail).toMatch(/topic projects\/doctor-proj\/topics\/missing does not exist/);
  });
});
