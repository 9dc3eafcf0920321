/**
 * The Warehouse contract on the embedded engine: `parquet:DIR` and `duckdb:FILE`, over one small
 * generated sample (the DuckDB file is built from the sample's Parquet files).
 */
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSample, type SampleSummary } from '../../src/sample/generate.ts';
import { openDuckDB, sqlString } from '../../src/warehouse/duckdb/engine.ts';
import { duckdbIdent } from '../../src/warehouse/emulate/index.ts';
import { openWarehouse } from '../../src/warehouse/open.ts';
import { CONTRACT_TABLE_NAMES } from '../../src/warehouse/tables.ts';
import { warehouseContract } from '../contracts/warehouse.contract.ts';

const AS_OF = '2026-11-20';
let root: string | undefined;
let built: Promise<{ sample: SampleSummary; dir: string }> | undefined;

/** One tiny sample per file, shared by both suites. */
function sample(): Promise<{ sample: SampleSummary; dir: string }> {
  built ??= (async () => {
    root = await mkdtemp(join(tmpdir(), 'promoscore-wh-contract-'));
    const dir = join(root, 'sample');
    return { dir, sample: await generateSample({ outDir: dir, scale: 0.005, seed: 3, asOf: AS_OF }) };
  })();
  return built;
}

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A Parquet directory holding the sample's tables except `skip` (links, not copies). */
async function parquetDir(from: string, to: string, skip: string[]): Promise<string> {
  await mkdir(to, { recursive: true });
  for (const t of CONTRACT_TABLE_NAMES) if (!skip.includes(t)) await symlink(join(from, `${t}.parquet`), join(to, `${t}.parquet`));
  return to;
}

/** A DuckDB database file holding the sample's tables except `skip`. */
async function duckdbFile(from: string, file: string, skip: string[] = []): Promise<string> {
  const { instance, conn } = await openDuckDB(file);
  try {
    for (const t of CONTRACT_TABLE_NAMES) {
      if (skip.includes(t)) continue;
      await conn.run(`CREATE TABLE ${duckdbIdent(t)} AS SELECT * FROM read_parquet(${sqlString(join(from, `${t}.parquet`))})`);
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return file;
}

warehouseContract('parquet:DIR', async () => {
  const { dir, sample: s } = await sample();
  const uri = `parquet:${dir}`;
  return {
    warehouse: await openWarehouse(uri),
    asOf: AS_OF,
    rows: s.rows,
    reopen: () => openWarehouse(uri),
    withoutTable: async (table) => openWarehouse(`parquet:${await parquetDir(dir, join(root!, `parquet-without-${table}`), [table])}`),
    cleanup: async () => {},
  };
});

warehouseContract('duckdb:FILE', async () => {
  const { dir, sample: s } = await sample();
  const uri = `duckdb:${await duckdbFile(dir, join(root!, 'sample.duckdb'))}`;
  return {
    warehouse: await openWarehouse(uri),
    asOf: AS_OF,
    rows: s.rows,
    reopen: () => openWarehouse(uri),
    withoutTable: async (table) => openWarehouse(`duckdb:${await duckdbFile(dir, join(root!, `without-${table}.duckdb`), [table])}`),
    cleanup: async () => {},
  };
});

describe('embedded adapters agree', () => {
  it('parquet:DIR and duckdb:FILE fingerprint the same data the same way', async () => {
    const { dir } = await sample();
    const describeUri = async (uri: string) => {
      const w = await openWarehouse(uri);
      try {
        return await w.describeInputs();
      } finally {
        await w.close();
      }
    };
    const a = await describeUri(`parquet:${dir}`);
    const b = await describeUri(`duckdb:${await duckdbFile(dir, join(root!, 'agree.duckdb'))}`);
    expect(a.length).toBe(CONTRACT_TABLE_NAMES.length);
    expect(b).toEqual(a);
  });
});
