/**
 * A local BigQuery for tests and benchmarks: REST jobs/tables over HTTP and the Storage Read API
 * over gRPC, both on 127.0.0.1 with OS-assigned ports, sharing one DuckDB-backed catalog.
 */
import { BigQueryEngine } from './engine.ts';
import { BigQueryRestDouble } from './rest.ts';
import { StorageReadDouble } from './read-service.ts';

export interface BigQueryDouble {
  projectId: string;
  engine: BigQueryEngine;
  rest: BigQueryRestDouble;
  read: StorageReadDouble;
  /** base URL for the client's `apiEndpoint` option (the client appends /bigquery/v2) */
  apiEndpoint: string;
  /** value for BIGQUERY_EMULATOR_HOST (used verbatim as the base URL) */
  emulatorHost: string;
  /** "127.0.0.1:PORT" of the Storage Read gRPC service */
  storageEndpoint: string;
  /** creates a dataset if missing, then a table from DuckDB SQL (`SELECT ...`, `read_parquet(...)`) */
  loadTable(datasetId: string, tableId: string, selectSql: string): Promise<void>;
  close(): Promise<void>;
}

export async function startBigQueryDouble(opts: { projectId?: string; location?: string } = {}): Promise<BigQueryDouble> {
  const projectId = opts.projectId ?? 'promo-test';
  const engine = await BigQueryEngine.create(opts.location ?? 'US');
  const rest = new BigQueryRestDouble(engine);
  const read = new StorageReadDouble(engine);
  const restPort = await rest.listen();
  const grpcPort = await read.listen();
  return {
    projectId,
    engine,
    rest,
    read,
    apiEndpoint: `http://127.0.0.1:${restPort}`,
    emulatorHost: `http://127.0.0.1:${restPort}`,
    storageEndpoint: `127.0.0.1:${grpcPort}`,
    async loadTable(datasetId, tableId, selectSql) {
      if (!engine.datasets.has(`${projectId}.${datasetId}`)) engine.createDataset(projectId, datasetId);
      await engine.loadTable({ projectId, datasetId, tableId }, selectSql);
    },
    async close() {
      await Promise.all([rest.close(), read.close()]);
      engine.close();
    },
  };
}
