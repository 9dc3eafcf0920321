import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { generateSample, type SampleSummary } from '../../src/sample/generate.ts';
import { ensureDefaultSample, register } from '../../src/cli/sample-data.ts';
import { openDuckDB, sqlString } from '../../src/warehouse/duckdb/engine.ts';
import { openWarehouse } from '../../src/warehouse/open.ts';
import { featureParams, loadQuery } from '../../src/warehouse/queries.ts';
import { CONTRACT_TABLE_NAMES } from '../../src/warehouse/tables.ts';
import { tempDir } from '../warehouse/fixtures.ts';

const AS_OF = '2026-02-01';
let tmp: { dir: string; cleanup: () => void };
let summary: SampleSummary;
let instance: DuckDBInstance;
let conn: DuckDBConnection;
let dir: string;

const q = async (sql: string): Promise<unknown[][]> => (await conn.runAndReadAll(sql)).getRowsJS();
const one = async (sql: string): Promise<number> => Number((await q(sql))[0][0]);

beforeAll(async () => {
  tmp = tempDir();
  dir = join(tmp.dir, 'scale005');
  summary = await generateSample({ outDir: dir, scale: 0.05, seed: 'realism', asOf: AS_OF });
  ({ instance, conn } = await openDuckDB(':memory:'));
  for (const t of CONTRACT_TABLE_NAMES) await conn.run(`CREATE VIEW ${t} AS SELECT * FROM read_parquet(${sqlString(join(dir, `${t}.parquet`))})`);
});
afterAll(() => {
  conn?.closeSync();
  instance?.closeSync();
  tmp.cleanup();
});

describe('generateSample', () => {
  it('writes the seven contract tables and a description', async () => {
    expect(readdirSync(dir).sort()).toEqual([...CONTRACT_TABLE_NAMES.map((t) => `${t}.parquet`), 'sample.json'].sort());
    const meta = JSON.parse(readFileSync(join(dir, 'sample.json'), 'utf8'));
    expect(meta).toMatchObject({ scale: 0.05, seed: 'realism', as_of: AS_OF, rows: summary.rows });
    for (const t of CONTRACT_TABLE_NAMES) expect(await one(`SELECT count(*) FROM ${t}`)).toBe(summary.rows[t]);
  });

  it('is deterministic: same arguments give byte-identical files, another seed other data', async () => {
    const a = join(tmp.dir, 'a');
    const b = join(tmp.dir, 'b');
    const c = join(tmp.dir, 'c');
    await generateSample({ outDir: a, scale: 0.02, seed: 9, asOf: AS_OF });
    await generateSample({ outDir: b, scale: 0.02, seed: 9, asOf: AS_OF });
    await generateSample({ outDir: c, scale: 0.02, seed: 10, asOf: AS_OF });
    for (const f of readdirSync(a)) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    expect(readFileSync(join(c, 'tracks.parquet')).equals(readFileSync(join(a, 'tracks.parquet')))).toBe(false);
  });

  it('has ids that look real and hold together', async () => {
    expect(await one(`SELECT count(*) FROM tracks WHERE NOT regexp_full_match(track_id, '[0-9A-Za-z]{22}')`)).toBe(0);
    expect(await one(`SELECT count(*) - count(DISTINCT track_id) FROM tracks`)).toBe(0);
    expect(await one(`SELECT count(*) - count(DISTINCT campaign_id) FROM campaigns`)).toBe(0);
    expect(await one(`SELECT count(*) FROM campaigns c ANTI JOIN tracks t USING (track_id)`)).toBe(0);
    expect(await one(`SELECT count(*) FROM campaign_targets x ANTI JOIN campaigns c USING (campaign_id)`)).toBe(0);
    expect(await one(`SELECT count(*) FROM tracks t ANTI JOIN licensors l USING (licensor_id)`)).toBe(0);
  });

  it('has consistent engagement counts over 28+ days before as-of', async () => {
    expect(await one(`SELECT count(*) FROM engagement_daily WHERE impressions < 0 OR streams < 0 OR skips < 0 OR saves < 0 OR completions < 0 OR skips > impressions OR streams > impressions OR saves > streams OR completions > streams`)).toBe(0);
    expect(await one(`SELECT count(DISTINCT event_date) FROM engagement_daily`)).toBeGreaterThanOrEqual(28);
    expect(String((await q(`SELECT CAST(max(event_date) AS VARCHAR) FROM engagement_daily`))[0][0])).toBe('2026-01-31');
    expect(await one(`SELECT count(*) FROM (SELECT 1 FROM engagement_daily GROUP BY event_date, track_id, market, surface, promoted HAVING count(*) > 1)`)).toBe(0);
  });

  it('has 30+ markets of very different sizes and the three surfaces', async () => {
    expect(await one(`SELECT count(DISTINCT market) FROM surface_capacity`)).toBeGreaterThanOrEqual(30);
    expect(await one(`SELECT count(DISTINCT market) FROM campaign_targets`)).toBeGreaterThanOrEqual(30);
    expect((await q(`SELECT DISTINCT surface FROM engagement_daily ORDER BY 1`)).map((r) => r[0])).toEqual(['autoplay', 'mix', 'radio']);
    expect(await one(`SELECT max(d) / min(d) FROM (SELECT market, sum(impressions) AS d FROM engagement_daily GROUP BY market)`)).toBeGreaterThan(100);
    expect(await one(`SELECT max(d) / min(d) FROM (SELECT market, sum(daily_impressions) AS d FROM surface_capacity GROUP BY market)`)).toBeGreaterThan(20);
  });

  it('has Zipf-like popularity and licensors from huge to tiny', async () => {
    const topShare = await one(`
      WITH t AS (SELECT track_id, sum(impressions) AS imp FROM engagement_daily GROUP BY track_id),
           r AS (SELECT imp, row_number() OVER (ORDER BY imp DESC) AS rk, count(*) OVER () AS n FROM t)
      SELECT sum(imp) FILTER (WHERE rk <= n / 100) / sum(imp) FROM r`);
    expect(topShare).toBeGreaterThan(0.2);
    const [maxTracks, medianTracks, minTracks] = (await q(`SELECT max(n), median(n), min(n) FROM (SELECT licensor_id, count(*) AS n FROM tracks GROUP BY licensor_id)`))[0].map(Number);
    expect(maxTracks).toBeGreaterThan(5 * medianTracks);
    expect(maxTracks).toBeGreaterThan(20 * minTracks);
  });

  it('has the cases scoring must handle', async () => {
    const asOf = `DATE '${AS_OF}'`;
    expect(await one(`SELECT count(*) FROM campaigns WHERE status = 'paused'`)).toBeGreaterThan(0);
    expect(await one(`SELECT count(*) FROM campaigns WHERE status = 'ended'`)).toBeGreaterThan(0);
    expect(await one(`SELECT count(*) FROM campaigns WHERE status = 'active' AND start_date > ${asOf}`)).toBeGreaterThan(0);
    expect(await one(`SELECT count(*) FROM campaigns WHERE end_date IS NULL`)).toBeGreaterThan(0);
    expect(await one(`SELECT count(*) FROM campaigns WHERE daily_impression_target IS NULL`)).toBeGreaterThan(0);
    expect(await one(`SELECT count(*) FROM licensors WHERE status = 'suspended'`)).toBeGreaterThan(0);
    expect(await one(`SELECT count(*) FROM licensors WHERE max_share IS NULL`)).toBeGreaterThan(0);
    expect(await one(`SELECT count(*) FROM campaigns c JOIN campaign_targets t USING (campaign_id) JOIN track_restrictions r ON r.track_id = c.track_id AND r.market = t.market`)).toBeGreaterThan(0);
    expect(await one(`SELECT count(*) FROM campaigns c JOIN tracks t USING (track_id) WHERE t.release_date > ${asOf} - 30`)).toBeGreaterThan(0);
    // skip-heavy tracks next to ordinary ones
    const skipRates = (await q(`SELECT skips / impressions FROM (SELECT track_id, sum(skips) AS skips, sum(impressions) AS impressions FROM engagement_daily WHERE NOT promoted GROUP BY track_id HAVING sum(impressions) >= 200)`)).map((r) => Number(r[0]));
    expect(skipRates.filter((r) => r > 0.5).length).toBeGreaterThan(0);
    expect(skipRates.filter((r) => r < 0.4).length).toBeGreaterThan(skipRates.length * 0.7);
    // cold start: running campaigns whose targets have no promoted history, next to ones that have it
    const promotedHistory = `(SELECT count(*) FROM engagement_daily e WHERE e.promoted AND e.track_id = c.track_id AND e.market = t.market AND e.surface = t.surface)`;
    const running = `FROM campaigns c JOIN campaign_targets t USING (campaign_id) WHERE c.status = 'active' AND c.start_date <= ${asOf} - 7`;
    expect(await one(`SELECT count(*) ${running} AND ${promotedHistory} = 0`)).toBeGreaterThan(0);
    expect(await one(`SELECT count(*) ${running} AND ${promotedHistory} > 0`)).toBeGreaterThan(0);
  });

  it('feeds the feature SQL: one candidate per target, about 100k per unit of scale, a fair share eligible', async () => {
    const wh = await openWarehouse(`parquet:${dir}`);
    try {
      const { table } = await wh.query({ name: 'candidates', sql: loadQuery('candidates'), params: featureParams(AS_OF), labels: {} });
      expect(table.numRows).toBe(summary.rows.campaign_targets);
      // ordered by market, surface, track_id, campaign_id (byte order) across every result chunk
      const keys = ['market', 'surface', 'track_id', 'campaign_id'].map((c) => table.getChild(c)!);
      const key = (i: number) => Buffer.from(keys.map((k) => k.get(i) as string).join('\u0000'));
      for (let i = 1; i < table.numRows; i++) expect(Buffer.compare(key(i - 1), key(i)), `row ${i}`).toBeLessThan(0);
      expect(table.numRows / 0.05).toBeGreaterThan(60_000);
      expect(table.numRows / 0.05).toBeLessThan(150_000);
      const col = (n: string) => table.getChild(n)!.toArray() as Float64Array;
      const [active, licensor, restricted, age, streams] = ['campaign_active', 'licensor_active', 'restricted', 'track_age_days', 'market_streams_28d'].map(col);
      let eligible = 0;
      for (let i = 0; i < table.numRows; i++) if (active[i] && licensor[i] && !restricted[i] && age[i] >= 30 && streams[i] >= 20) eligible++;
      expect(eligible / table.numRows).toBeGreaterThan(0.1);
      expect(eligible / table.numRows).toBeLessThan(0.9);
    } finally {
      await wh.close();
    }
  });
});

describe('default sample and command', () => {
  it('ensureDefaultSample creates once, then reuses, leaving no temp directories', async () => {
    const root = join(tmp.dir, 'project');
    const first = await ensureDefaultSample(root, '2026-02-01T05', { scale: 0.01 });
    const second = await ensureDefaultSample(root, '2026-02-01', { scale: 0.01 });
    expect(first.created).toBe(true);
    expect(second).toEqual({ ...first, created: false });
    expect(first.uri).toBe(`parquet:${first.dir}`);
    expect(readdirSync(join(root, '.promoscore', 'sample'))).toEqual([first.dir.split('/').pop()]);
    const wh = await openWarehouse(first.uri);
    expect((await wh.describeInputs()).length).toBe(7);
    await wh.close();
  });

  it('sample-data rejects a bad flag with exit 2 and names it', async () => {
    const program = new Command('promoscore').exitOverride();
    register(program);
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((s: string) => lines.push(String(s)) > 0) as unknown as typeof process.stderr.write;
    try {
      await program.parseAsync(['node', 'promoscore', 'sample-data', '--out', join(tmp.dir, 'x'), '--scale', 'many']);
      expect(process.exitCode).toBe(2);
      expect(lines.join('')).toContain('--scale');
      await program.parseAsync(['node', 'promoscore', 'sample-data', '--out', join(tmp.dir, 'x'), '--as-of', '2026-13-45']);
      expect(process.exitCode).toBe(2);
      expect(lines.join('')).toContain('--as-of');
    } finally {
      process.stderr.write = write;
      process.exitCode = 0;
    }
  });
});
