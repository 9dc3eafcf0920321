/** Warehouse URIs (DESIGN.md): `duckdb:FILE`, `parquet:DIR`, `bigquery://PROJECT/DATASET`. */
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.ts';
import { DuckDBWarehouse } from './duckdb/warehouse.ts';
import type { Warehouse } from './port.ts';
import type { BigQueryWarehouseOptions } from './bigquery/warehouse.ts';

/** Options of every adapter; each takes the ones it knows (BigQuery: job name, run id, location, limits, scratch dataset, labels). */
export interface OpenWarehouseOptions extends BigQueryWarehouseOptions {
  /** DuckDB worker threads (default: every core) */
  threads?: number;
  /** DuckDB memory_limit, e.g. '1GB' (default: DuckDB's, 80% of RAM); past it DuckDB spills to a temp directory */
  memoryLimit?: string;
}

function localPath(rest: string, uri: string): string {
  // duckdb:file:///abs/path and duckdb:///abs/path are accepted as well as duckdb:PATH
  const p = rest.startsWith('file://') ? fileURLToPath(rest) : rest.startsWith('//') ? rest.slice(2) : rest;
  if (!p) throw new UsageError(`--warehouse ${uri}: missing path`);
  return p;
}

export async function openWarehouse(uri: string, opts: OpenWarehouseOptions = {}): Promise<Warehouse> {
  if (uri.startsWith('duckdb:')) {
    return DuckDBWarehouse.open(uri, { kind: 'duckdb', file: localPath(uri.slice('duckdb:'.length), uri) }, opts);
  }
  if (uri.startsWith('parquet:')) {
    return DuckDBWarehouse.open(uri, { kind: 'parquet', dir: localPath(uri.slice('parquet:'.length), uri) }, opts);
  }
  if (uri.startsWith('bigquery://')) {
    // loaded on demand: the Google clients stay off the embedded path's start-up
    const { openBigQueryWarehouse } = await import('./bigquery/warehouse.ts');
    return openBigQueryWarehouse(uri, opts);
  }
  throw new UsageError(`--warehouse ${uri}: unknown scheme (expected duckdb:FILE, parquet:DIR or bigquery://PROJECT/DATASET)`);
}
