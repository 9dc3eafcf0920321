/**
 * Where the BigQuery contract suite runs: the in-process doubles (REST + Storage Read) by default;
 * a BigQuery emulator when BIGQUERY_EMULATOR_HOST (and BIGQUERY_STORAGE_EMULATOR_HOST) are set;
 * real BigQuery with Application Default Credentials when
 * PROMOSCORE_TEST_BIGQUERY_URI=bigquery://PROJECT/DATASET_PREFIX is set. Against the last two, each
 * load makes a fresh dataset DATASET_PREFIX_<random> and close() deletes every dataset it made.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { DuckDBValue } from '@duckdb/node-api';
import { BigQueryWarehouse, type BigQueryWarehouseOptions } from '../../src/warehouse/bigquery/warehouse.ts';
import { bigQueryTarget } from './helpers.ts';
import { openDuckDB, sqlString } from '../../src/warehouse/duckdb/engine.ts';
import { CONTRACT_TABLES, type ContractType } from '../../src/warehouse/tables.ts';
import { startBigQueryDouble, type BigQueryDouble } from '../doubles/bigquery/index.ts';

export interface BigQueryTarget {
  label: string;
  project: string;
  /** the double, when that is the target */
  double?: BigQueryDouble;
  /** loads the contract tables of a sample directory (Parquet files), except `skip`, into a new dataset; returns its id */
  loadSample(dir: string, skip?: string[]): Promise<string>;
  /** a warehouse over one of the loaded datasets */
  open(dataset: string): BigQueryWarehouse;
  close(): Promise<void>;
}

const SCRATCH = 'promoscore_scratch';
// the double answers at once: poll and back off briefly
const FAST: BigQueryWarehouseOptions = { readRetryDelayMs: 5, maxRetries: 2, maxRetryDelaySeconds: 0.02, pollIntervalMs: 5 };

function parseTargetUri(uri: string): { project: string; prefix: string } {
  const m = /^bigquery:\/\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/([A-Za-z0-9_]{1,900})\/?$/.exec(uri);
  if (!m) throw new Error(`PROMOSCORE_TEST_BIGQUERY_URI must be bigquery://PROJECT/DATASET_PREFIX, got ${uri}`);
  return { project: m[1], prefix: m[2] };
}

export async function openBigQueryTarget(): Promise<BigQueryTarget> {
  const real = process.env.PROMOSCORE_TEST_BIGQUERY_URI;
  const emulator = process.env.BIGQUERY_EMULATOR_HOST;
  if (real || emulator) return openExternal(real, emulator);

  const project = 'promo-contract';
  const double = await startBigQueryDouble({ projectId: project });
  double.engine.createDataset(project, SCRATCH);
  // rows reach the client in no particular order and in several batches, as from BigQuery
  double.read.shuffleSeed = 5;
  double.read.batchRows = 300;
  let n = 0;
  return {
    label: 'BigQuery double',
    project,
    double,
    async loadSample(dir, skip = []) {
      const dataset = `features_${n++}`;
      double.engine.createDataset(project, dataset);
      for (const t of CONTRACT_TABLES) {
        if (!skip.includes(t.name)) await double.loadTable(dataset, t.name, `SELECT * FROM read_parquet(${sqlString(join(dir, `${t.name}.parquet`))})`);
      }
      return dataset;
    },
    open(dataset) {
      return new BigQueryWarehouse(bigQueryTarget(project, dataset), {
        apiEndpoint: double.apiEndpoint,
        storageEndpoint: double.storageEndpoint,
        scratchDataset: SCRATCH,
        maxStreams: 3,
        jobName: 'contract',
        runId: 'contract',
        ...FAST,
      });
    },
    close: () => double.close(),
  };
}

/** An emulator (through the environment) or real BigQuery (Application Default Credentials). */
async function openExternal(real: string | undefined, emulator: string | undefined): Promise<BigQueryTarget> {
  const { project, prefix } = real ? parseTargetUri(real) : { project: 'promoscore-test', prefix: 'promoscore_contract' };
  const made: string[] = [];
  const open = (dataset: string) => new BigQueryWarehouse(bigQueryTarget(project, dataset), { jobName: 'contract', runId: 'contract', pollIntervalMs: 200 });
  return {
    label: real ? `BigQuery ${real}` : `emulator ${emulator}`,
    project,
    async loadSample(dir, skip = []) {
      const dataset = `${prefix}_${randomBytes(4).toString('hex')}`;
      // the warehouse's own client: it already knows the endpoint and how to authenticate
      const admin = open(dataset);
      try {
        await admin.bigquery.createDataset(dataset);
        made.push(dataset);
        for (const t of CONTRACT_TABLES) {
          if (skip.includes(t.name)) continue;
          const file = join(dir, `${t.name}.parquet`);
          const table = admin.bigquery.dataset(dataset).table(t.name);
          if (real) {
            // a load job: its rows count in numRows at once (streamed rows may not yet)
            await table.load(file, { sourceFormat: 'PARQUET', writeDisposition: 'WRITE_TRUNCATE' });
          } else {
            // emulators take streamed rows most reliably
            await admin.bigquery.dataset(dataset).createTable(t.name, { schema: { fields: t.columns.map((c) => ({ name: c.name, type: c.type, mode: c.nullable ? 'NULLABLE' : 'REQUIRED' })) } });
            const rows = await parquetRows(file, t.columns);
            for (let i = 0; i < rows.length; i += 5000) await table.insert(rows.slice(i, i + 5000));
          }
        }
      } finally {
        await admin.close();
      }
      return dataset;
    },
    open,
    async close() {
      const admin = open(prefix);
      try {
        for (const d of made) await admin.bigquery.dataset(d).delete({ force: true }).catch(() => undefined);
      } finally {
        await admin.close();
      }
    },
  };
}

/** A Parquet file's rows as JSON values for `tabledata.insertAll` (dates as YYYY-MM-DD). */
async function parquetRows(file: string, columns: readonly { name: string; type: ContractType }[]): Promise<Record<string, unknown>[]> {
  const { instance, conn } = await openDuckDB(':memory:');
  try {
    const select = columns.map((c) => (c.type === 'DATE' ? `strftime("${c.name}", '%Y-%m-%d') AS "${c.name}"` : `"${c.name}"`)).join(', ');
    const reader = await conn.runAndReadAll(`SELECT ${select} FROM read_parquet(${sqlString(file)})`);
    return reader.getRows().map((r) =>
      Object.fromEntries(columns.map((c, i) => [c.name, plain(r[i])])),
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

function plain(v: DuckDBValue): unknown {
  return typeof v === 'bigint' ? Number(v) : v;
}
