/** Warehouse URIs (docs/architecture.md, "Ports"): `duckdb:FILE`, `parquet:DIR`, `bigquery://PROJECT/DATASET`. */
import { parseWarehouseUri, type WarehouseTarget } from '../config/uri.ts';
import { DuckDBWarehouse } from './duckdb/warehouse.ts';
import type { Warehouse } from './port.ts';
import type { BigQueryWarehouseOptions } from './bigquery/warehouse.ts';
import type { JobConfig } from '../config/job.ts';
import type { Logger } from '../observability/log.ts';

/** Options of every adapter; each takes the ones it knows (BigQuery: job name, run id, location, limits, scratch dataset, labels). */
export interface OpenWarehouseOptions extends BigQueryWarehouseOptions {
  /** DuckDB worker threads (default: every core) */
  threads?: number;
  /** DuckDB memory_limit, e.g. '1GB' (default: DuckDB's, 80% of RAM); past it DuckDB spills to a temp directory */
  memoryLimit?: string;
}

/**
 * Opens the warehouse a URI names. The URI is parsed by config/uri.ts (or handed over parsed); each
 * adapter gets the parsed target. A string keeps its spelling as the warehouse's uri, since the
 * manifest's lineage records it as given.
 */
export async function openWarehouse(uri: string | WarehouseTarget, opts: OpenWarehouseOptions = {}): Promise<Warehouse> {
  const target = typeof uri === 'string' ? parseWarehouseUri(uri, { flag: '--warehouse' }) : uri;
  const shown = typeof uri === 'string' ? uri : target.uri;
  if (target.kind === 'duckdb') return DuckDBWarehouse.open(shown, { kind: 'duckdb', file: target.path }, opts);
  if (target.kind === 'parquet') return DuckDBWarehouse.open(shown, { kind: 'parquet', dir: target.dir }, opts);
  // loaded on demand: the Google clients stay off the embedded path's start-up
  const { openBigQueryWarehouse } = await import('./bigquery/warehouse.ts');
  return openBigQueryWarehouse(target, opts);
}

/**
 * Opens a job's warehouse with the job's BigQuery settings (location, byte limit, scratch dataset,
 * labels) and the embedded engine's memory budget: without it DuckDB takes up to 80% of RAM for the
 * aggregation, and a run's peak is DuckDB's plus the Arrow tables'.
 */
export function openJobWarehouse(uri: string | WarehouseTarget, job: JobConfig, ctx: { runId?: string; log?: Logger } = {}): Promise<Warehouse> {
  return openWarehouse(uri, {
    jobName: job.name,
    runId: ctx.runId,
    location: job.bigquery.location,
    maximumBytesBilled: job.bigquery.maximum_bytes_billed,
    scratchDataset: job.bigquery.scratch_dataset,
    labels: job.bigquery.labels,
    log: ctx.log,
    memoryLimit: process.env.PROMOSCORE_DUCKDB_MEMORY_LIMIT ?? '700MB',
  });
}
