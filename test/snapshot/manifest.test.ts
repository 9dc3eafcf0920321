import { describe, expect, it } from 'vitest';
import { buildManifest, manifestBytes, quantiles, snapshotStats } from '../../src/snapshot/manifest.ts';
import { compareAsOf, versionId } from '../../src/snapshot/version.ts';

/** The version id shape the store paths hold: date or date-hour, 12 hex digits, an optional forced suffix. */
const isVersionId = (v: string): boolean => /^\d{8}(T\d{2})?-[0-9a-f]{12}(-f[0-9a-z]+)?$/.test(v);
import { encodeShards } from '../../src/snapshot/write-shards.ts';
import { FORMAT_VERSION } from '../../src/snapshot/contract.ts';
import { makeColumns, makeTable, manifestFields } from './fixtures.ts';

describe('snapshot stats', () => {
  it('counts rows, promoted rows and (market, surface) groups like a row-by-row count', () => {
    const c = makeColumns(3000, 9);
    const stats = snapshotStats(makeTable(3000, 9, 3));
    const want = new Map<string, { rows: number; promoted: number }>();
    let promoted = 0;
    for (let i = 0; i < 3000; i++) {
      const k = `${c.market[i]}|${c.surface[i]}`;
      const g = want.get(k) ?? { rows: 0, promoted: 0 };
      g.rows++;
      if (c.share[i] > 0) (g.promoted++, promoted++);
      want.set(k, g);
    }
    expect(stats.rows).toBe(3000);
    expect(stats.promoted_rows).toBe(promoted);
    expect(stats.by_market_surface).toHaveLength(want.size);
    for (const g of stats.by_market_surface) expect(want.get(`${g.market}|${g.surface}`)).toEqual({ rows: g.rows, promoted: g.promoted });
    const keys = stats.by_market_surface.map((g) => `${g.market}|${g.surface}`);
    expect(keys).toEqual([...keys].sort());
  });

  it('computes score quantiles by interpolation, ignoring NaN', () => {
    const want = { p0: 1, p1: 1.03, p5: 1.15, p25: 1.75, p50: 2.5, p75: 3.25, p95: 3.85, p99: 3.97, p100: 4 };
    const got = quantiles([4, 1, 3, 2, NaN]);
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [k, v] of Object.entries(want)) expect(got[k]).toBeCloseTo(v, 12);
    expect(quantiles([])).toEqual({});
    const c = makeColumns(1001, 4);
    const sorted = Float64Array.from(c.score).sort();
    const q = snapshotStats(makeTable(1001, 4)).score_quantiles;
    expect(q.p0).toBe(sorted[0]);
    expect(q.p50).toBe(sorted[500]);
    expect(q.p100).toBe(sorted[1000]);
  });
});

describe('manifest', () => {
  const table = makeTable(500, 2);
  const shards = encodeShards(table, { buckets: 4 }).map((s) => s.entry);
  const base = {
    dataset: 'promo_scores', version: '20261125-0123456789ab', asOf: '2026-11-25', buckets: 4, table, shards,
    fields: manifestFields(), previousVersion: '20261124-aaaaaaaaaaaa', createdAt: new Date('2026-11-25T03:00:00Z'),
  };

  it('fills every field of the contract', () => {
    const m = buildManifest(base);
    expect(Object.keys(m).sort()).toEqual([
      'allocation', 'as_of', 'buckets', 'created_at', 'dataset', 'format_version', 'inputs', 'previous_version', 'producer',
      'quality', 'schema', 'shards', 'stats', 'version',
    ]);
    expect(m.format_version).toBe(FORMAT_VERSION);
    expect(m.previous_version).toBe('20261124-aaaaaaaaaaaa');
    expect(m.schema.slice(0, 3)).toEqual([
      { name: 'track_id', type: 'utf8', nullable: false },
      { name: 'market', type: 'utf8', nullable: false },
      { name: 'surface', type: 'utf8', nullable: false },
    ]);
    expect(m.schema.find((f) => f.name === 'reason')).toEqual({ name: 'reason', type: 'uint32', nullable: false });
    expect(m.schema.find((f) => f.name === 'score')?.type).toBe('float32');
    expect(m.stats.rows).toBe(500);
    expect(m.shards.reduce((s, x) => s + x.rows, 0)).toBe(500);
  });

  it('serializes deterministically: contract order on top, sorted nested keys, 2-space indent', () => {
    const a = manifestBytes(buildManifest(base));
    const f = manifestFields();
    const shuffled = { ...base, fields: { allocation: f.allocation, quality: f.quality, inputs: { fingerprint: f.inputs.fingerprint, queries: [], tables: f.inputs.tables, warehouse: f.inputs.warehouse }, producer: f.producer } };
    const b = manifestBytes(buildManifest(shuffled));
    expect(Buffer.from(b).toString()).toBe(Buffer.from(a).toString());
    const text = Buffer.from(a).toString();
    expect(text.startsWith('{\n  "format_version": 1,\n  "dataset": "promo_scores",\n  "version"')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
    const later = manifestBytes(buildManifest({ ...base, createdAt: new Date('2026-11-26T00:00:00Z') }));
    expect(Buffer.from(later).toString()).not.toBe(text);
  });
});

describe('versionId', () => {
  const id = { dataset: 'promo_scores', asOf: '2026-11-25', specHash: 's1', inputFingerprint: 'f1' };

  it('is stable for an identity and changes with any part of it', () => {
    const v = versionId(id);
    expect(v).toMatch(/^20261125-[0-9a-f]{12}$/);
    expect(versionId({ ...id })).toBe(v);
    for (const change of [{ dataset: 'other' }, { specHash: 's2' }, { inputFingerprint: 'f2' }, { asOf: '2026-11-26' }]) {
      expect(versionId({ ...id, ...change })).not.toBe(v);
    }
    expect(isVersionId(v)).toBe(true);
  });

  it('marks hours and forced republishes, which are always new', () => {
    expect(versionId({ ...id, asOf: '2026-11-25T13' })).toMatch(/^20261125T13-[0-9a-f]{12}$/);
    const f1 = versionId({ ...id, force: true });
    const f2 = versionId({ ...id, force: true });
    expect(f1.startsWith(versionId(id) + '-f')).toBe(true);
    expect(f1).not.toBe(f2);
    expect(isVersionId(f1)).toBe(true);
    expect(() => versionId({ ...id, asOf: '25/11/2026' })).toThrow(/as-of "25\/11\/2026"/);
  });

  it('sorts by as-of', () => {
    const days = ['2026-11-24', '2026-11-25', '2026-12-01'].map((asOf) => versionId({ ...id, asOf }));
    expect([...days].sort()).toEqual(days);
    expect(compareAsOf('2026-11-25', '2026-11-25T05')).toBeLessThan(0);
    expect(compareAsOf('2026-11-25T05', '2026-11-25T05')).toBe(0);
    expect(compareAsOf('2026-11-26', '2026-11-25T23')).toBeGreaterThan(0);
  });
});
