/**
 * Runs the BigQuery doubles as a local server, loaded with a directory of `<table>.parquet` files
 * (e.g. from `promoscore sample-data --out DIR`), and prints the environment that points the job at it:
 *
 *   node test/doubles/bigquery/serve.ts --parquet DIR [--project promo-local] [--dataset features]
 *   # then, in another shell, with the printed exports:
 *   promoscore plan --warehouse bigquery://promo-local/features
 *
 * Ctrl-C stops it.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startBigQueryDouble } from './index.ts';

const { values } = parseArgs({
  options: {
    parquet: { type: 'string' },
    project: { type: 'string', default: 'promo-local' },
    dataset: { type: 'string', default: 'features' },
    scratch: { type: 'string', default: 'promoscore_scratch' },
  },
});
if (!values.parquet) {
  console.error('usage: serve.ts --parquet DIR [--project P] [--dataset D] [--scratch S]');
  process.exit(2);
}
const dir = resolve(values.parquet);
const d = await startBigQueryDouble({ projectId: values.project });
d.engine.createDataset(values.project!, values.scratch!);
const tables = readdirSync(dir).filter((f) => f.endsWith('.parquet'));
for (const f of tables) await d.loadTable(values.dataset!, f.slice(0, -'.parquet'.length), `SELECT * FROM read_parquet('${join(dir, f).replace(/'/g, "''")}')`);
console.log(`# ${tables.length} tables in bigquery://${values.project}/${values.dataset} (scratch dataset ${values.scratch})`);
console.log(`export BIGQUERY_EMULATOR_HOST=${d.emulatorHost}`);
console.log(`export BIGQUERY_STORAGE_EMULATOR_HOST=${d.storageEndpoint}`);
const stop = async () => {
  await d.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
