/**
 * End to end through the real CLI with every edge on Google Cloud at once:
 * `promoscore run --warehouse bigquery://… --store gs://… --notify pubsub://…`, reaching the BigQuery,
 * Cloud Storage and Pub/Sub doubles only through the emulator variables (as a scheduler would point
 * it at emulators). The shards must be byte-identical to an embedded run (`parquet:` warehouse,
 * `file://` store) on the same sample, and a subscriber must receive exactly the contract's attributes.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSample, type SampleSummary } from '../../src/sample/generate.ts';
import { sqlString } from '../../src/warehouse/duckdb/engine.ts';
import { CONTRACT_TABLE_NAMES } from '../../src/warehouse/tables.ts';
import { startBigQueryDouble, type BigQueryDouble } from '../doubles/bigquery/index.ts';
import { startGcsDouble, type GcsDouble } from '../doubles/gcs/server.ts';
import { openPubSubTarget, type PubSubTarget } from '../gcp-notify/target.ts';
import { eventually } from '../support/wait.ts';
import { logEntries, runCli } from '../support/cli.ts';

const AS_OF = '2026-11-20';
const PROJECT = 'promo-all-gcp';
const BUCKET = 'promo-snapshots';
let root: string;
let sample: string;
let summary: SampleSummary;
let bq: BigQueryDouble;
let gcs: GcsDouble;
let ps: PubSubTarget;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promoscore-all-gcp-'));
  sample = join(root, 'sample');
  summary = await generateSample({ outDir: sample, scale: 0.01, seed: 17, asOf: AS_OF });
  bq = await startBigQueryDouble({ projectId: PROJECT });
  bq.engine.createDataset(PROJECT, 'promoscore_scratch');
  for (const t of CONTRACT_TABLE_NAMES) await bq.loadTable('features', t, `SELECT * FROM read_parquet(${sqlString(join(sample, `${t}.parquet`))})`);
  // rows reach the client shuffled over several streams and batches, as from BigQuery
  bq.read.shuffleSeed = 9;
  bq.read.batchRows = 400;
  gcs = await startGcsDouble();
  gcs.createBucket(BUCKET);
  ps = await openPubSubTarget(); // Google's emulator when the run has one, else the double
}, 120_000);

afterAll(async () => {
  await ps?.close();
  await gcs?.close();
  await bq?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const runSummary = (stderr: string) => logEntries(stderr).find((e) => e.message === 'run summary');

describe('promoscore run --warehouse bigquery://… --store gs://… --notify pubsub://…', () => {
  it('publishes shards byte-identical to the embedded run and announces exactly the contract', async () => {
    const t = await ps.makeTopic();
    // the raw client, not the project's subscriber: it must see every attribute the message carries
    const received: Message[] = [];
    const sub = ps.admin.subscription(t.subscription);
    sub.on('message', (m: Message) => {
      received.push(m);
      m.ack();
    });

    const env = {
      BIGQUERY_EMULATOR_HOST: bq.emulatorHost,
      BIGQUERY_STORAGE_EMULATOR_HOST: bq.storageEndpoint,
      STORAGE_EMULATOR_HOST: gcs.endpoint,
      PUBSUB_EMULATOR_HOST: ps.apiEndpoint!,
    };
    const common = ['--as-of', AS_OF, '--no-report'];
    const [cloud, local] = await Promise.all([
      runCli(['run', '--warehouse', `bigquery://${PROJECT}/features`, '--store', `gs://${BUCKET}/prod`, '--notify', t.topicUri, ...common], { env }),
      runCli(['run', '--warehouse', `parquet:${sample}`, '--store', `file://${join(root, 'local')}`, '--notify', `file://${join(root, 'outbox.ndjson')}`, ...common]),
    ]);
    expect(cloud.code, cloud.stderr).toBe(0);
    expect(local.code, local.stderr).toBe(0);
    const cloudRun = runSummary(cloud.stderr)!;
    expect(cloudRun.status).toBe('published');
    const version = cloudRun.version as string;
    const localVersion = runSummary(local.stderr)!.version as string;

    // every edge was really used: query jobs on BigQuery, objects in the bucket
    const queries = bq.rest.insertedJobs().filter((j) => !j.configuration.dryRun).map((j) => j.configuration.labels.query);
    expect(queries).toEqual(expect.arrayContaining(['candidates', 'surfaces']));
    const latest = gcs.getObject(BUCKET, 'prod/promo_scores/LATEST');
    expect(latest?.data.toString()).toContain(version);

    const cloudDir = `prod/promo_scores/versions/${version}`;
    const localDir = join(root, 'local', 'promo_scores', 'versions', localVersion);
    const manifest = JSON.parse(gcs.getObject(BUCKET, `${cloudDir}/manifest.json`)!.data.toString());
    const localManifest = JSON.parse(await readFile(join(localDir, 'manifest.json'), 'utf8'));
    const localShards = (await readdir(localDir)).filter((f) => f.endsWith('.arrow')).sort();
    expect(localShards.length).toBeGreaterThan(0);
    expect(manifest.shards.map((s: { path: string }) => s.path).sort()).toEqual(localShards);
    for (const f of localShards) {
      const cloudBytes = gcs.getObject(BUCKET, `${cloudDir}/${f}`)!.data;
      const localBytes = await readFile(join(localDir, f));
      expect(Buffer.compare(cloudBytes, localBytes), f).toBe(0);
    }
    expect(manifest.stats).toEqual(localManifest.stats);
    expect(manifest.stats.rows).toBeGreaterThan(0);
    expect(manifest.stats.rows).toBeLessThanOrEqual(summary.rows.campaign_targets);

    await eventually(() => received.length >= 1, 'the notification');
    await sub.close();
    expect(received).toHaveLength(1);
    expect(received[0].attributes).toEqual({
      dataset: 'promo_scores',
      version,
      manifest_uri: `gs://${BUCKET}/${cloudDir}/manifest.json`,
      as_of: AS_OF,
      rows: String(manifest.stats.rows),
      event: 'published',
    });
    expect(received[0].orderingKey).toBe('promo_scores');
  });
});
