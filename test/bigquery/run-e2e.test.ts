import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSample } from '../../src/sample/generate.ts';
import { CONTRACT_TABLE_NAMES } from '../../src/warehouse/tables.ts';
import { startBigQueryDouble, type BigQueryDouble } from '../doubles/bigquery/index.ts';
import { logEntries, runCli } from '../support/cli.ts';

/**
 * The real CLI against the BigQuery doubles (REST and Storage Read, reached through the emulator
 * environment variables) publishes the same shards, byte for byte, as the embedded run on the same
 * sample; `plan` reports per-query dry-run bytes.
 */
const AS_OF = '2026-11-20';
const PROJECT = 'promo-e2e';
let root: string;
let sample: string;
let d: BigQueryDouble;
let env: Record<string, string>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promoscore-bq-e2e-'));
  sample = join(root, 'sample');
  await generateSample({ outDir: sample, scale: 0.02, seed: 5, asOf: AS_OF });
  d = await startBigQueryDouble({ projectId: PROJECT });
  d.engine.createDataset(PROJECT, 'promoscore_scratch');
  for (const t of CONTRACT_TABLE_NAMES) await d.loadTable('features', t, `SELECT * FROM read_parquet('${join(sample, `${t}.parquet`)}')`);
  d.read.shuffleSeed = 3;
  d.read.batchRows = 700;
  env = { BIGQUERY_EMULATOR_HOST: d.emulatorHost, BIGQUERY_STORAGE_EMULATOR_HOST: d.storageEndpoint };
}, 120_000);

afterAll(async () => {
  await d?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const versionDir = (store: string, version: string) => join(store, 'promo_scores', 'versions', version);

describe('promoscore run --warehouse bigquery://… against the doubles', () => {
  it('publishes shards byte-identical to the embedded run on the same sample', async () => {
    const storeA = join(root, 'embedded');
    const storeB = join(root, 'bigquery');
    const local = await runCli(['run', '--warehouse', `parquet:${sample}`, '--store', `file://${storeA}`, '--notify', `file://${join(root, 'a.ndjson')}`, '--as-of', AS_OF, '--no-report']);
    expect(local.code, local.stderr).toBe(0);
    const bq = await runCli(
      ['run', '--warehouse', `bigquery://${PROJECT}/features`, '--store', `file://${storeB}`, '--notify', `file://${join(root, 'b.ndjson')}`, '--as-of', AS_OF, '--no-report'],
      { env },
    );
    expect(bq.code, bq.stderr).toBe(0);
    const va = logEntries(local.stderr).find((e) => e.message === 'run summary')!.version as string;
    const vb = logEntries(bq.stderr).find((e) => e.message === 'run summary')!.version as string;
    const shardsA = (await readdir(versionDir(storeA, va))).filter((f) => f.endsWith('.arrow')).sort();
    const shardsB = (await readdir(versionDir(storeB, vb))).filter((f) => f.endsWith('.arrow')).sort();
    expect(shardsA.length).toBeGreaterThan(0);
    expect(shardsB).toEqual(shardsA);
    for (const f of shardsA) {
      const a = await readFile(join(versionDir(storeA, va), f));
      const b = await readFile(join(versionDir(storeB, vb), f));
      expect(a.equals(b), f).toBe(true);
    }
    const ma = JSON.parse(await readFile(join(versionDir(storeA, va), 'manifest.json'), 'utf8'));
    const mb = JSON.parse(await readFile(join(versionDir(storeB, vb), 'manifest.json'), 'utf8'));
    expect(mb.stats).toEqual(ma.stats);
    expect(mb.allocation).toEqual(ma.allocation);

    // the query jobs carried the run's labels
    const jobs = d.rest.insertedJobs().filter((j) => !j.configuration.dryRun);
    const names = jobs.map((j) => j.configuration.labels.query as string);
    expect(names).toEqual(expect.arrayContaining(['candidates', 'surfaces']));
    for (const j of jobs.filter((x) => ['candidates', 'surfaces'].includes(x.configuration.labels.query))) {
      expect(j.configuration.labels).toMatchObject({ as_of: AS_OF, app: 'promoscore' });
      expect(j.configuration.labels.run_id).toMatch(/^[a-z0-9_-]+$/);
    }
  });

  it('plan reports each query’s dry-run bytes and cost estimate without running a query', async () => {
    const jobsBefore = d.rest.jobs.size;
    const r = await runCli(['plan', '--warehouse', `bigquery://${PROJECT}/features`, '--store', `file://${join(root, 'planstore')}`, '--as-of', AS_OF, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.queries.map((q: { query: string }) => q.query)).toEqual(['candidates', 'surfaces']);
    for (const q of plan.queries) {
      expect(q.bytesProcessed).toBeGreaterThan(0);
      expect(q.estimated_cost_usd).toBeGreaterThan(0);
    }
    expect(d.rest.jobs.size).toBe(jobsBefore);
  });

  it('plan exits 2 naming both locations when PROMOSCORE_BQ_LOCATION is not the dataset’s', async () => {
    const r = await runCli(['plan', '--warehouse', `bigquery://${PROJECT}/features`, '--store', `file://${join(root, 'locstore')}`, '--as-of', AS_OF, '--json'], {
      env: { ...env, PROMOSCORE_BQ_LOCATION: 'EU' },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${PROJECT}.features is in location US`);
    expect(r.stderr).toContain('location EU');
  });

  it('exits 3 and publishes nothing when an input table is missing from the dataset', async () => {
    for (const t of CONTRACT_TABLE_NAMES.filter((x) => x !== 'licensors')) {
      await d.loadTable('partial', t, `SELECT * FROM read_parquet('${join(sample, `${t}.parquet`)}')`);
    }
    const store = join(root, 'partialstore');
    const r = await runCli(
      ['run', '--warehouse', `bigquery://${PROJECT}/partial`, '--store', `file://${store}`, '--notify', `file://${join(root, 'p.ndjson')}`, '--as-of', AS_OF, '--no-report'],
      { env },
    );
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`${PROJECT}.partial.licensors`);
    await expect(readdir(join(store, 'promo_scores'))).rejects.toThrow();
  });
});
