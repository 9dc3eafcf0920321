/**
 * The Warehouse contract on `bigquery://PROJECT/DATASET`: through the REST and Storage Read doubles
 * by default, or an emulator / real BigQuery when the environment names one (see target.ts and
 * docs/bigquery.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { generateSample } from '../../src/sample/generate.ts';
import { warehouseContract } from '../contracts/warehouse.contract.ts';
import { openBigQueryTarget, type BigQueryTarget } from './target.ts';

const AS_OF = '2026-11-20';
let root: string | undefined;
let target: BigQueryTarget | undefined;

afterAll(async () => {
  await target?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

warehouseContract('bigquery://', async () => {
  root = await mkdtemp(join(tmpdir(), 'promoscore-bq-contract-'));
  const dir = join(root, 'sample');
  const sample = await generateSample({ outDir: dir, scale: 0.005, seed: 3, asOf: AS_OF });
  target = await openBigQueryTarget();
  const t = target;
  const dataset = await t.loadSample(dir);
  return {
    warehouse: t.open(dataset),
    asOf: AS_OF,
    rows: sample.rows,
    reopen: async () => t.open(dataset),
    withoutTable: async (table) => t.open(await t.loadSample(dir, [table])),
    cleanup: async () => {},
  };
});
