import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputDataError, UsageError } from '../../src/core/errors.ts';
import { openDuckDB, sqlString } from '../../src/warehouse/duckdb/engine.ts';
import { openWarehouse } from '../../src/warehouse/open.ts';
import { featureParams, loadQuery } from '../../src/warehouse/queries.ts';
import { CONTRACT_TABLE_NAMES } from '../../src/warehouse/tables.ts';
import { tempDir, writeFixture, type Fixture } from './fixtures.ts';

const BASE: Fixture = {
  licensors: [
    { licensor_id: 'L1', status: 'active', max_share: 0.3 },
    { licensor_id: 'L2', status: 'suspended', max_share: null },
  ],
  surface_capacity: [{ market: 'SE', surface: 'radio', daily_impressions: 1000, max_promoted_share: 0.1 }],
};
const request = (name: string) => ({ name, sql: loadQuery(name), params: featureParams('2026-03-10'), labels: {} });

let root: { dir: string; cleanup: () => void };
beforeAll(() => {
  root = tempDir();
});
afterAll(() => root.cleanup());

let n = 0;
async function parquetDir(data: Fixture, skip: string[] = []): Promise<string> {
  const dir = join(root.dir, `p${n++}`);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir);
  await writeFixture(dir, data, 'parquet', skip);
  return dir;
}

describe('warehouse URIs', () => {
  it('unknown schemes and missing paths are usage errors', async () => {
    await expect(openWarehouse('mysql://x')).rejects.toBeInstanceOf(UsageError);
    await expect(openWarehouse(`parquet:${join(root.dir, 'nope')}`)).rejects.toThrow(/no directory at .*nope/);
    await expect(openWarehouse(`duckdb:${join(root.dir, 'nope.duckdb')}`)).rejects.toThrow(/no DuckDB file at .*nope\.duckdb/);
  });

  it('a file that is not a DuckDB database is an input error naming it', async () => {
    const bad = join(root.dir, 'bad.duckdb');
    writeFileSync(bad, 'this is not a database');
    const err = await openWarehouse(`duckdb:${bad}`).catch((e) => e);
    expect(err).toBeInstanceOf(InputDataError);
    expect(err.message).toContain('bad.duckdb');
  });
});

describe('input checks name the table and column', () => {
  it('a missing table file', async () => {
    const dir = await parquetDir(BASE, ['track_restrictions']);
    const wh = await openWarehouse(`parquet:${dir}`);
    try {
      const err = await wh.query(request('candidates')).catch((e) => e);
      expect(err).toBeInstanceOf(InputDataError);
      expect(err.message).toMatch(/table track_restrictions is missing.*track_restrictions\.parquet/);
      await expect(wh.describeInputs()).rejects.toBeInstanceOf(InputDataError);
    } finally {
      await wh.close();
    }
  });

  it('a missing column and a wrong type', async () => {
    const dir = await parquetDir(BASE);
    const { instance, conn } = await openDuckDB(':memory:');
    await conn.run(`COPY (SELECT 'L1' AS licensor_id, 0.3::DOUBLE AS max_share) TO ${sqlString(join(dir, 'licensors.parquet'))} (FORMAT parquet)`);
    await conn.run(`COPY (SELECT 'SE' AS market, 'radio' AS surface, 'lots' AS daily_impressions, 0.1 AS max_promoted_share) TO ${sqlString(join(dir, 'surface_capacity.parquet'))} (FORMAT parquet)`);
    conn.closeSync();
    instance.closeSync();
    const wh = await openWarehouse(`parquet:${dir}`);
    try {
      await expect(wh.query(request('surfaces'))).rejects.toThrow(new InputDataError('table licensors has no column status (STRING)'));
    } finally {
      await wh.close();
    }
    await writeFixture(dir, BASE, 'parquet', CONTRACT_TABLE_NAMES.filter((t) => t !== 'licensors'));
    const wh2 = await openWarehouse(`parquet:${dir}`);
    try {
      await expect(wh2.dryRun(request('surfaces'))).rejects.toThrow(new InputDataError('column surface_capacity.daily_impressions has type VARCHAR, expected INT64'));
    } finally {
      await wh2.close();
    }
  });

  it('text that is not UTF-8 is an input error naming the table', async () => {
    const dir = await parquetDir({ ...BASE, licensors: [{ licensor_id: 'PLACEHOLDERPLACEHOLDER', status: 'active', max_share: null }] });
    const file = join(dir, 'licensors.parquet');
    const bytes = readFileSync(file);
    const at = bytes.indexOf(Buffer.from('PLACEHOLDERPLACEHOLDER'));
    expect(at).toBeGreaterThan(0);
    Buffer.from([0xff, 0xfe, 0x80]).copy(bytes, at + 3);
    writeFileSync(file, bytes);
    const wh = await openWarehouse(`parquet:${dir}`);
    try {
      const err = await wh.describeInputs().catch((e) => e);
      expect(err).toBeInstanceOf(InputDataError);
      expect(err.message).toMatch(/^table licensors holds text that is not valid UTF-8/);
    } finally {
      await wh.close();
    }
  });

  it('an unreadable Parquet file', async () => {
    const dir = await parquetDir(BASE);
    writeFileSync(join(dir, 'campaigns.parquet'), 'PAR1 but not really');
    const err = await openWarehouse(`parquet:${dir}`).catch((e) => e);
    expect(err).toBeInstanceOf(InputDataError);
    expect(err.message).toMatch(/table campaigns: cannot read .*campaigns\.parquet/);
  });
});

describe('describeInputs and dryRun', () => {
  it('fingerprints depend on content, not on row order or storage', async () => {
    const reversed: Fixture = { ...BASE, licensors: [...BASE.licensors!].reverse() };
    const changed: Fixture = { ...BASE, licensors: [BASE.licensors![0], { ...BASE.licensors![1], max_share: 0.2 }] };
    const dbFile = join(root.dir, 'fp.duckdb');
    await writeFixture(dbFile, reversed, 'duckdb');
    const describe = async (uri: string) => {
      const wh = await openWarehouse(uri);
      try {
        return await wh.describeInputs();
      } finally {
        await wh.close();
      }
    };
    const a = await describe(`parquet:${await parquetDir(BASE)}`);
    const b = await describe(`duckdb:${dbFile}`);
    const c = await describe(`parquet:${await parquetDir(changed)}`);
    expect(a.map((t) => t.table)).toEqual(CONTRACT_TABLE_NAMES);
    expect(a.find((t) => t.table === 'licensors')!.rows).toBe(2);
    expect(b).toEqual(a);
    const fp = (x: typeof a, t: string) => x.find((i) => i.table === t)!.fingerprint;
    expect(fp(c, 'licensors')).not.toBe(fp(a, 'licensors'));
    expect(fp(c, 'surface_capacity')).toBe(fp(a, 'surface_capacity'));
    expect(fp(a, 'campaigns')).not.toBe(fp(a, 'tracks')); // empty tables of different shape differ too
  });

  it('dryRun estimates the bytes the query would read, and query reports them with a stable job id', async () => {
    const dir = await parquetDir(BASE);
    const wh = await openWarehouse(`parquet:${dir}`);
    try {
      const dry = await wh.dryRun(request('surfaces'));
      const { statSync } = await import('node:fs');
      expect(dry).toEqual({ name: 'surfaces', bytesProcessed: statSync(join(dir, 'engagement_daily.parquet')).size + statSync(join(dir, 'surface_capacity.parquet')).size });
      const r1 = await wh.query(request('surfaces'));
      const r2 = await wh.query(request('surfaces'));
      expect(r1.bytesProcessed).toBe(dry.bytesProcessed);
      expect(r1.jobId).toBe(r2.jobId);
      expect(r1.jobId).not.toBe((await wh.query({ ...request('surfaces'), params: featureParams('2026-03-11') })).jobId);
    } finally {
      await wh.close();
    }
  });

  it('engine options (threads, memory limit) do not change answers', async () => {
    const dir = await parquetDir(BASE);
    const answer = async (opts: { threads?: number; memoryLimit?: string }) => {
      const wh = await openWarehouse(`parquet:${dir}`, opts);
      try {
        return (await wh.query(request('surfaces'))).table.toArray().map((r) => r.toJSON());
      } finally {
        await wh.close();
      }
    };
    const plain = await answer({});
    expect(plain).toHaveLength(1);
    expect(await answer({ threads: 1, memoryLimit: '64MB' })).toEqual(plain);
  });

  it('a missing parameter is a usage error naming it', async () => {
    const wh = await openWarehouse(`parquet:${await parquetDir(BASE)}`);
    try {
      const { markets: _omit, ...params } = featureParams('2026-03-10');
      await expect(wh.query({ ...request('surfaces'), params })).rejects.toThrow(new UsageError('query surfaces: parameter @markets is not provided'));
    } finally {
      await wh.close();
    }
  });
});
