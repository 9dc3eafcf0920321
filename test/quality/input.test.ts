import { afterEach, describe, expect, it } from 'vitest';
import { InputDataError } from '../../src/core/errors.ts';
import { QualityConfigSchema, type QualityConfig } from '../../src/quality/config.ts';
import { runInputGates, runSchemaGate } from '../../src/quality/input.ts';
import { createLogger } from '../../src/observability/log.ts';
import type { QualityCheckResult } from '../../src/snapshot/contract.ts';
import { openTestWarehouse, type TestWarehouse } from './helpers/duck-warehouse.ts';
import { AS_OF, baseTables, features, TODAY } from './helpers/fixture.ts';

const lines: string[] = [];
const log = createLogger({ format: 'json', level: 'DEBUG', write: (l) => lines.push(l) });
let wh: TestWarehouse | null = null;
afterEach(async () => {
  await wh?.close();
  wh = null;
  lines.length = 0;
});

async function gate(spoil: string[], config: Partial<Record<string, unknown>> = {}) {
  wh = await openTestWarehouse(baseTables());
  for (const s of spoil) await wh.exec(s);
  const f = await features(wh);
  // the fixture is tiny: one bad key is a large share of it, so the drop ratio guard is opted in per test
  const cfg: QualityConfig = QualityConfigSchema.parse({ max_drop_ratio: 0.9, ...config });
  const out = await runInputGates({ warehouse: wh, asOf: AS_OF, today: TODAY, candidates: f.candidates, surfaces: f.surfaces, config: cfg, log });
  return { ...out, before: f.candidates.numRows, beforeSurfaces: f.surfaces.numRows };
}

async function gateError(spoil: string[], config: Partial<Record<string, unknown>> = {}): Promise<InputDataError> {
  const err = await gate(spoil, config).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputDataError);
  expect((err as InputDataError).exitCode).toBe(3);
  return err as InputDataError;
}

function notPassing(results: QualityCheckResult[]) {
  return results.filter((r) => r.status !== 'pass');
}

function keysOf(t: { getChild(n: string): { get(i: number): unknown } | null; numRows: number }, cols: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < t.numRows; i++) out.push(cols.map((c) => t.getChild(c)!.get(i)).join('/'));
  return out;
}

describe('input gates on a clean dataset', () => {
  it('pass every check and keep every row', async () => {
    const r = await gate([]);
    expect(r.before).toBe(12);
    expect(r.candidates.numRows).toBe(12);
    expect(r.surfaces.numRows).toBe(6);
    expect(notPassing(r.results)).toEqual([]);
    const checks = new Set(r.results.map((x) => x.check));
    for (const c of ['schema', 'empty_table', 'freshness', 'future_dates', 'duplicate_keys', 'null_keys', 'non_finite', 'unknown_market']) {
      expect(checks.has(c)).toBe(true);
    }
  });
});

describe('drop policy removes exactly the offending candidate rows', () => {
  it('negative impressions drop the (track, market) rows and count them', async () => {
    const r = await gate([`UPDATE engagement_daily SET impressions = -5 WHERE track_id = 'T1' AND market = 'SE' AND event_date = DATE '2026-11-10'`]);
    const neg = r.results.find((x) => x.check === 'negative_counts' && x.column === 'impressions')!;
    expect(neg.status).toBe('dropped');
    expect(neg.offending).toBe(6);
    expect(neg.examples).toEqual(['"T1"/"SE"']);
    expect(neg.detail).toContain('2 candidate rows dropped');
    const kept = keysOf(r.candidates, ['track_id', 'market']);
    expect(kept).not.toContain('T1/SE');
    expect(kept).toContain('T1/DE');
    expect(r.candidates.numRows).toBe(10);
  });

  it('skips > impressions and saves > streams are separate, attributed checks', async () => {
    const r = await gate([
      `UPDATE engagement_daily SET skips = 101 WHERE track_id = 'T2' AND market = 'DE' AND event_date = DATE '2026-11-15' AND surface = 'mix' AND promoted`,
      `UPDATE engagement_daily SET saves = 51 WHERE track_id = 'T3' AND market = 'SE' AND event_date = DATE '2026-11-15' AND surface = 'radio' AND promoted`,
    ]);
    const skips = r.results.find((x) => x.check === 'skips_exceed_impressions')!;
    const saves = r.results.find((x) => x.check === 'saves_exceed_streams')!;
    expect([skips.status, skips.offending, skips.examples]).toEqual(['dropped', 1, ['"T2"/"DE"']]);
    expect([saves.status, saves.offending, saves.examples]).toEqual(['dropped', 1, ['"T3"/"SE"']]);
    expect(r.candidates.numRows).toBe(12 - 1 - 2);
  });

  it('events outside the checked window are not judged', async () => {
    const r = await gate([`UPDATE engagement_daily SET impressions = -1 WHERE event_date < DATE '2026-10-17'`]);
    expect(r.results.filter((x) => x.check === 'negative_counts' && x.table === 'engagement_daily').map((x) => x.status)).toEqual(['pass']);
  });

  it('NaN and infinite commission rates are dropped as non_finite', async () => {
    const r = await gate([
      `UPDATE campaigns SET commission_rate = 'NaN'::DOUBLE WHERE campaign_id = 'C1'`,
      `UPDATE campaigns SET commission_rate = 'Infinity'::DOUBLE WHERE campaign_id = 'C3'`,
    ]);
    const nf = r.results.find((x) => x.check === 'non_finite' && x.column === 'commission_rate')!;
    expect(nf.status).toBe('dropped');
    expect(nf.offending).toBe(6);
    expect(keysOf(r.candidates, ['campaign_id']).sort()).toEqual(['C2', 'C2', 'C2', 'C4', 'C4', 'C4']);
  });

  it('rates outside [0, 1] are dropped, naming the source table', async () => {
    const r = await gate([`UPDATE campaigns SET commission_rate = 1.5 WHERE campaign_id = 'C4'`, `UPDATE licensors SET max_share = -0.2 WHERE licensor_id = 'L1'`]);
    const rates = r.results.filter((x) => x.check === 'rate_out_of_range' && x.status !== 'pass');
    expect(rates.map((x) => [x.table, x.column, x.offending])).toEqual([
      ['campaigns', 'commission_rate', 3],
      ['licensors', 'max_share', 6],
    ]);
    expect(keysOf(r.candidates, ['campaign_id']).sort()).toEqual(['C3', 'C3', 'C3']);
  });

  it('unknown surfaces and markets are dropped', async () => {
    const r = await gate([
      `INSERT INTO campaign_targets VALUES ('C1', 'SE', 'podcast'), ('C2', 'XX', 'radio'), ('C3', 'se', 'radio')`,
    ]);
    const us = r.results.find((x) => x.check === 'unknown_surface' && x.table === 'campaign_targets')!;
    const um = r.results.find((x) => x.check === 'unknown_market')!;
    expect([us.status, us.offending]).toEqual(['dropped', 1]);
    expect([um.status, um.offending]).toEqual(['dropped', 2]);
    expect(r.candidates.numRows).toBe(12);
  });

  it('a broken surface_capacity row drops its surface and its candidates', async () => {
    const r = await gate([`UPDATE surface_capacity SET max_promoted_share = 2 WHERE market = 'SE' AND surface = 'radio'`]);
    const rr = r.results.find((x) => x.check === 'rate_out_of_range' && x.table === 'surface_capacity')!;
    expect(rr.status).toBe('dropped');
    expect(r.surfaces.numRows).toBe(5);
    expect(keysOf(r.candidates, ['market', 'surface'])).not.toContain('SE/radio');
    expect(r.candidates.numRows).toBe(8);
  });

  it('NULL keys are dropped whatever their column', async () => {
    const r = await gate([`UPDATE campaigns SET licensor_id = NULL WHERE campaign_id = 'C2'`]);
    const src = r.results.find((x) => x.check === 'null_keys' && x.table === 'campaigns' && x.status !== 'pass')!;
    expect([src.column, src.status, src.offending]).toEqual(['licensor_id', 'dropped', 1]);
    const cand = r.results.find((x) => x.check === 'null_keys' && x.table === 'candidates' && x.column === 'licensor_id')!;
    expect(cand.offending).toBe(3);
    expect(keysOf(r.candidates, ['campaign_id'])).not.toContain('C2');
  });

  it('NULL keys are not duplicates of each other', async () => {
    const r = await gate([`UPDATE campaign_targets SET market = NULL WHERE campaign_id = 'C1'`, `UPDATE campaigns SET campaign_id = NULL WHERE campaign_id IN ('C3', 'C4')`]);
    expect(r.results.filter((x) => x.check === 'duplicate_keys' && x.status !== 'pass')).toEqual([]);
    expect(r.results.filter((x) => x.check === 'null_keys' && x.status === 'dropped').map((x) => [x.table, x.offending])).toEqual(
      expect.arrayContaining([['campaign_targets', 3], ['campaigns', 2]]),
    );
  });

  it('too many drops fail the run instead of publishing a thin snapshot', async () => {
    const err = await gateError([`UPDATE engagement_daily SET streams = -1 WHERE market = 'SE'`], { max_drop_ratio: 0.2 });
    expect(err.message).toMatch(/would remove 8 of 12 candidate rows/);
    expect(err.message).toContain('max_drop_ratio');
    expect(err.message).toContain('negative_counts on engagement_daily.streams');
  });
});

describe('fail policy stops the run with exit 3 and a message naming table, column, check and keys', () => {
  it('duplicate campaigns (default policy fail)', async () => {
    const err = await gateError([`INSERT INTO campaigns SELECT * FROM campaigns WHERE campaign_id = 'C2'`]);
    expect(err.message).toContain('check "duplicate_keys" on campaigns.campaign_id: 2 offending rows, e.g. "C2"');
  });

  it('negative counts under policy fail', async () => {
    const err = await gateError([`UPDATE engagement_daily SET completions = -3 WHERE track_id = 'T4' AND market = 'DE'`], {
      input: { negative_counts: 'fail' },
    });
    expect(err.message).toContain('check "negative_counts" on engagement_daily.completions');
    expect(err.message).toContain('"T4"/"DE"');
  });

  it('stale engagement_daily fails freshness, saying what the latest day is', async () => {
    const err = await gateError([`DELETE FROM engagement_daily WHERE event_date >= DATE '2026-11-18'`]);
    expect(err.message).toContain('check "freshness" on engagement_daily.event_date');
    expect(err.message).toContain('latest event before 2026-11-20 is 2026-11-17');
  });

  it('freshness lag is configurable', async () => {
    const r = await gate([`DELETE FROM engagement_daily WHERE event_date >= DATE '2026-11-18'`], { freshness_max_lag_days: 3 });
    expect(r.results.find((x) => x.check === 'freshness')?.status).toBe('pass');
  });

  it('events dated after today fail future_dates', async () => {
    const err = await gateError([`INSERT INTO engagement_daily SELECT DATE '2027-03-01', track_id, market, surface, promoted, impressions, streams, skips, saves, completions FROM engagement_daily LIMIT 2`]);
    expect(err.message).toContain('check "future_dates" on engagement_daily.event_date: 2 offending rows');
    expect(err.message).toContain('2027-03-01');
  });

  it('an empty table fails empty_table', async () => {
    const err = await gateError([`DELETE FROM licensors`]);
    expect(err.message).toContain('check "empty_table" on licensors');
  });

  it('an empty track_restrictions is normal', async () => {
    const r = await gate([`DELETE FROM track_restrictions`]);
    expect(notPassing(r.results)).toEqual([]);
  });

  it('every failing check is listed at once', async () => {
    const err = await gateError([`DELETE FROM licensors`, `INSERT INTO tracks SELECT * FROM tracks WHERE track_id = 'T3'`]);
    expect(err.message).toContain('"empty_table" on licensors');
    expect(err.message).toContain('"duplicate_keys" on tracks.track_id: 2 offending rows, e.g. "T3"');
  });

  it('hostile ids are shown quoted and cut, never executed', async () => {
    const evil = `x'; DROP TABLE campaigns; --`;
    const huge = 'y'.repeat(1 << 20);
    const err = await gateError([
      `INSERT INTO campaigns SELECT '${evil.replace(/'/g, "''")}', track_id, licensor_id, start_date, end_date, status, commission_rate, daily_impression_target FROM campaigns WHERE campaign_id IN ('C1', 'C2')`,
      `INSERT INTO campaigns SELECT repeat('y', ${1 << 20}), track_id, licensor_id, start_date, end_date, status, commission_rate, daily_impression_target FROM campaigns WHERE campaign_id IN ('C1', 'C2')`,
    ], { max_key_bytes: 1 << 20 });
    expect(err.message).toContain(JSON.stringify(evil));
    expect(err.message).toContain(`(${huge.length} chars)`);
    expect(err.message.length).toBeLessThan(2000);
    const still = await wh!.query({ name: 'x', sql: 'SELECT COUNT(*) AS n FROM {{campaigns}}', params: {}, labels: {} });
    expect(Number(still.table.getChild('n')!.get(0))).toBe(8);
  });
});

describe('warn policy keeps the rows and says so', () => {
  it('unknown campaign status warns by default', async () => {
    const r = await gate([`UPDATE campaigns SET status = 'archived' WHERE campaign_id = 'C1'`]);
    const w = r.results.find((x) => x.check === 'unknown_status' && x.table === 'campaigns')!;
    expect([w.status, w.table, w.column, w.offending]).toEqual(['warned', 'campaigns', 'status', 1]);
    expect(r.candidates.numRows).toBe(12);
    expect(lines.some((l) => l.includes('"severity":"WARNING"') && l.includes('unknown_status'))).toBe(true);
  });

  it('negative counts under policy warn', async () => {
    const r = await gate([`UPDATE engagement_daily SET saves = -1 WHERE track_id = 'T1'`], { input: { negative_counts: 'warn' } });
    expect(r.results.find((x) => x.check === 'negative_counts' && x.column === 'saves')?.status).toBe('warned');
    expect(r.candidates.numRows).toBe(12);
  });
});

describe('schema gate', () => {
  it('names a missing column', async () => {
    wh = await openTestWarehouse(baseTables());
    await wh.exec('ALTER TABLE tracks DROP COLUMN release_date');
    const err = await runSchemaGate({ warehouse: wh, log }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputDataError);
    expect((err as Error).message).toContain('table tracks has no column release_date (DATE)');
  });

  it('names a wrong type', async () => {
    wh = await openTestWarehouse(baseTables());
    await wh.exec('ALTER TABLE engagement_daily ALTER impressions TYPE VARCHAR');
    await wh.exec('ALTER TABLE campaigns ALTER commission_rate TYPE VARCHAR');
    const err = (await runSchemaGate({ warehouse: wh, log }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(InputDataError);
    expect(err.message).toContain('column engagement_daily.impressions has type Utf8, expected INT64');
    expect(err.message).toContain('column campaigns.commission_rate has type Utf8, expected FLOAT64');
  });

  it('names a missing table', async () => {
    wh = await openTestWarehouse(baseTables());
    await wh.exec('DROP TABLE surface_capacity');
    const err = (await runSchemaGate({ warehouse: wh, log }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(InputDataError);
    expect(err.message).toContain('table surface_capacity cannot be read');
  });

  it('accepts integers where the contract says FLOAT64, not the reverse', async () => {
    wh = await openTestWarehouse(baseTables());
    await wh.exec('ALTER TABLE licensors ALTER max_share TYPE INTEGER');
    await expect(runSchemaGate({ warehouse: wh, log })).resolves.toHaveLength(2);
    await wh.exec('ALTER TABLE engagement_daily ALTER skips TYPE DOUBLE');
    await expect(runSchemaGate({ warehouse: wh, log })).rejects.toThrow(/engagement_daily.skips has type Float64, expected INT64/);
  });
});

describe('ids before extraction', () => {
  it('an oversized id stops the run before any feature query, naming table and column', async () => {
    wh = await openTestWarehouse(baseTables());
    await wh.exec(`UPDATE tracks SET licensor_id = repeat('z', 300) WHERE track_id = 'T2'`);
    const err = (await runSchemaGate({ warehouse: wh, log }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(InputDataError);
    expect(err.message).toContain('check "oversized_keys" on tracks.licensor_id: an id of 300 characters (limit 256 bytes)');
    const cfg = QualityConfigSchema.parse({ max_key_bytes: 300 });
    await expect(runSchemaGate({ warehouse: wh, log, config: cfg })).resolves.toHaveLength(2);
  });
});

describe('config', () => {
  it('rejects drop for table-level checks and unknown keys', () => {
    expect(() => QualityConfigSchema.parse({ input: { freshness: 'drop' } })).toThrow();
    expect(() => QualityConfigSchema.parse({ input: { nonsense: 'fail' } })).toThrow();
    expect(() => QualityConfigSchema.parse({ input: { schema: 'warn' } })).toThrow();
  });
  it('fills defaults', () => {
    const c = QualityConfigSchema.parse({ output: { max_score_psi: 0.1 } });
    expect(c.output.max_score_psi).toBe(0.1);
    expect(c.output.max_row_change).toBe(0.5);
    expect(c.input.duplicate_keys).toBe('fail');
    expect(c.input.negative_counts).toBe('drop');
  });
});
