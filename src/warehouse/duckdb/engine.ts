/**
 * DuckDB instances configured to stay offline: parquet is built in, and a missing extension must
 * fail at once instead of trying to download (docs/architecture.md, "Facts measured").
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface EngineOptions {
  readOnly?: boolean;
  threads?: number;
  memoryLimit?: string;
  /** where an in-memory database spills */
  tempDirectory?: string;
}

export function hermeticConfig(opts: EngineOptions = {}): Record<string, string> {
  const cfg: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    extension_directory: join(tmpdir(), 'promoscore-duckdb-extensions'),
  };
  if (opts.readOnly) cfg.access_mode = 'READ_ONLY';
  if (opts.threads) cfg.threads = String(opts.threads);
  if (opts.memoryLimit) cfg.memory_limit = opts.memoryLimit;
  if (opts.tempDirectory) cfg.temp_directory = opts.tempDirectory;
  return cfg;
}

export async function openDuckDB(path: string, opts: EngineOptions = {}): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(path, hermeticConfig(opts));
  const conn = await instance.connect();
  return { instance, conn };
}

/** A string literal for the few places DuckDB takes no parameter (file paths in CREATE VIEW / COPY). */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
