import { Float64, makeVector, Table, tableToIPC, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { InputDataError } from '../../src/core/errors.ts';
import { CANDIDATE_NUMERIC_COLUMNS } from '../../src/scoring/features.ts';
import { Reason } from '../../src/scoring/reasons.ts';
import { DIAGNOSTIC_COLUMNS, score } from '../../src/scoring/score.ts';
import { defaultSpec, parseSpec } from '../../src/scoring/spec.ts';
import { SNAPSHOT_COLUMNS } from '../../src/snapshot/contract.ts';
import { makeFixture } from './fixtures.ts';

const ctx = { asOf: '2026-11-25', seed: 'run-1' };

function columnOf(t: Table, name: string): Float64Array {
  return t.getChild(name)!.toArray() as Float64Array;
}

describe('score()', () => {
  it('emits the contract columns in order, then diagnostics, in the input row order', () => {
    const input = makeFixture({ seed: 7, markets: 3, tracksPerMarket: 40, licensors: 5 });
    const out = score(input, defaultSpec(), ctx);
    const fields = out.table.schema.fields;
    expect(fields.slice(0, SNAPSHOT_COLUMNS.length).map((f) => [f.name, String(f.type).toLowerCase()])).toEqual(
      SNAPSHOT_COLUMNS.map(([n, t]) => [n, t]),
    );
    // the holdout's propensity follows the contract columns, then the diagnostics
    expect(fields.slice(SNAPSHOT_COLUMNS.length).map((f) => f.name)).toEqual(['propensity', ...DIAGNOSTIC_COLUMNS]);
    expect(out.table.numRows).toBe(input.candidates.numRows);
    for (const c of ['track_id', 'market', 'surface', 'campaign_id', 'licensor_id']) {
      expect(out.table.getChild(c)!.toArray()).toEqual(input.candidates.getChild(c)!.toArray());
    }
    expect(out.allocation.markets.map((m) => m.market)).toEqual(['AA', 'AB', 'AC']);
  });

  it('keeps capacity, licensor caps and skip budgets in every group, with a certified gap', () => {
    const input = makeFixture({ seed: 11, markets: 4, tracksPerMarket: 300, licensors: 9, capacityScale: 0.02 });
    const spec = defaultSpec();
    const out = score(input, spec, ctx);
    const t = out.table;
    const share = columnOf(t, 'share');
    const headroom = columnOf(t, 'headroom');
    const skipUpper = columnOf(t, 'skip_upper');
    const upper = columnOf(t, 'upper');
    const reason = t.getChild('reason')!.toArray() as Uint32Array;
    const market = t.getChild('market')!;
    const surface = t.getChild('surface')!;
    const licensor = t.getChild('licensor_id')!;
    const capUse = new Map<string, number>();
    const skipUse = new Map<string, number>();
    const licUse = new Map<string, number>();
    let binding = 0;
    for (let r = 0; r < t.numRows; r++) {
      expect(share[r]).toBeGreaterThanOrEqual(0);
      expect(share[r]).toBeLessThanOrEqual(upper[r]);
      if (upper[r] === 0) expect(share[r]).toBe(0);
      if (reason[r] & (Reason.SURFACE_CAP_BINDING | Reason.LICENSOR_CAP_BINDING | Reason.SKIP_BUDGET_BINDING)) binding++;
      const m = market.get(r);
      const s = surface.get(r);
      const mAlloc = out.allocation.markets.find((x) => x.market === m)!;
      const sAlloc = mAlloc.surfaces.find((x) => x.surface === s)!;
      const y = headroom[r] * share[r];
      capUse.set(`${m}/${s}`, (capUse.get(`${m}/${s}`) ?? 0) + y);
      skipUse.set(`${m}/${s}`, (skipUse.get(`${m}/${s}`) ?? 0) + y * (skipUpper[r] - sAlloc.skip_baseline - sAlloc.skip_tolerance));
      licUse.set(`${m}/${licensor.get(r)}`, (licUse.get(`${m}/${licensor.get(r)}`) ?? 0) + y);
    }
    expect(binding).toBeGreaterThan(0);
    for (const m of out.allocation.markets) {
      expect(m.certificate.gap).toBeLessThanOrEqual(spec.allocation.tolerance);
      expect(m.certificate.dual_bound).toBeGreaterThanOrEqual(m.certificate.primal);
      for (const s of m.surfaces) {
        const used = capUse.get(`${m.market}/${s.surface}`) ?? 0;
        expect(used).toBeLessThanOrEqual(s.capacity * (1 + 1e-9));
        expect(used).toBeCloseTo(s.used, 6);
        expect(skipUse.get(`${m.market}/${s.surface}`) ?? 0).toBeLessThanOrEqual(1e-9 * Math.max(1, s.capacity));
      }
      const licensorsInMarket = new Set<string>();
      for (let r = 0; r < t.numRows; r++) if (market.get(r) === m.market) licensorsInMarket.add(licensor.get(r));
      expect(m.licensor_caps.map((c) => c.licensor_id).sort()).toEqual([...licensorsInMarket].sort());
      for (const c of m.licensor_caps) expect(licUse.get(`${m.market}/${c.licensor_id}`) ?? 0).toBeLessThanOrEqual(c.cap * (1 + 1e-9));
    }
    expect(out.allocation.certificate.gap).toBeLessThanOrEqual(spec.allocation.tolerance);
  });

  it('gives identical bytes for identical input, spec and seed (Thompson exploration too)', () => {
    const spec = parseSpec({ exploration: { method: 'thompson' } }, 'test');
    const a = score(makeFixture({ seed: 3, markets: 2, tracksPerMarket: 120, licensors: 4, capacityScale: 0.05 }), spec, ctx);
    const b = score(makeFixture({ seed: 3, markets: 2, tracksPerMarket: 120, licensors: 4, capacityScale: 0.05 }), spec, ctx);
    expect(Buffer.from(tableToIPC(a.table, 'file')).equals(Buffer.from(tableToIPC(b.table, 'file')))).toBe(true);
    expect(JSON.stringify(a.allocation)).toBe(JSON.stringify(b.allocation));
    // Another seed moves the Thompson draws.
    const c = score(makeFixture({ seed: 3, markets: 2, tracksPerMarket: 120, licensors: 4, capacityScale: 0.05 }), spec, { ...ctx, seed: 'run-2' });
    expect(columnOf(c.table, 'exploration_bonus')).not.toEqual(columnOf(a.table, 'exploration_bonus'));
  });

  it('gives the same rows and allocation whether the candidates come in one record batch or several', () => {
    const input = makeFixture({ seed: 13, markets: 3, tracksPerMarket: 60, licensors: 5, capacityScale: 0.05 });
    const split = input.candidates.slice(0, 170).concat(input.candidates.slice(170, 400), input.candidates.slice(400));
    expect(split.batches.length).toBe(3);
    const a = score(input, defaultSpec(), ctx);
    const b = score({ candidates: split, surfaces: input.surfaces }, defaultSpec(), ctx);
    expect(JSON.stringify(b.allocation)).toBe(JSON.stringify(a.allocation));
    expect(b.table.toArray().map((r) => r.toJSON())).toEqual(a.table.toArray().map((r) => r.toJSON()));
  });

  it('accepts dictionary-encoded strings and writes utf8', () => {
    const out = score(makeFixture({ seed: 5, markets: 2, tracksPerMarket: 20, licensors: 3, dictionary: true }), defaultSpec(), ctx);
    expect(String(out.table.schema.fields[0].type)).toBe('Utf8');
    expect(out.table.getChild('track_id')!.get(0)).toBe('t000000');
  });

  it('gives rows of a market without surface_capacity rows no capacity', () => {
    const out = score(makeFixture({ seed: 9, markets: 2, tracksPerMarket: 30, licensors: 3, missingSurfaces: ['AB'] }), defaultSpec(), ctx);
    const reason = out.table.getChild('reason')!.toArray() as Uint32Array;
    const share = columnOf(out.table, 'share');
    const market = out.table.getChild('market')!;
    let seen = 0;
    for (let r = 0; r < out.table.numRows; r++) {
      if (market.get(r) !== 'AB') continue;
      seen++;
      expect(reason[r] & Reason.NO_CAPACITY).toBe(Reason.NO_CAPACITY);
      expect(share[r]).toBe(0);
    }
    expect(seen).toBe(90);
    expect(out.allocation.markets[1].surfaces.every((s) => s.capacity === 0)).toBe(true);
  });

  it('rejects markets that are not contiguous, naming the market and row', () => {
    const input = makeFixture({ seed: 1, markets: 2, tracksPerMarket: 2, licensors: 1, surfaces: ['radio'] });
    const order = [0, 2, 1, 3];
    const cols: Record<string, Vector> = {};
    for (const f of input.candidates.schema.fields) {
      const v = input.candidates.getChild(f.name)!;
      const vals = order.map((i) => v.get(i));
      cols[f.name] = f.name.match(/^(track_id|market|surface|campaign_id|licensor_id)$/)
        ? vectorFromArray(vals as string[], new Utf8())
        : makeVector({ type: new Float64(), data: Float64Array.from(vals as number[]) });
    }
    expect(() => score({ candidates: new Table(cols), surfaces: input.surfaces }, defaultSpec(), ctx)).toThrow(
      /rows of market AA are not contiguous \(row 2/,
    );
  });

  it('names a missing or mistyped feature column', () => {
    const input = makeFixture({ seed: 1, markets: 1, tracksPerMarket: 3, licensors: 1 });
    const without = input.candidates.select(input.candidates.schema.fields.map((f) => f.name).filter((n) => n !== 'saves'));
    expect(() => score({ candidates: without, surfaces: input.surfaces }, defaultSpec(), ctx)).toThrow(InputDataError);
    expect(() => score({ candidates: without, surfaces: input.surfaces }, defaultSpec(), ctx)).toThrow(/candidates: missing column saves/);
    const cols: Record<string, Vector> = {};
    for (const f of input.candidates.schema.fields) cols[f.name] = input.candidates.getChild(f.name)!;
    cols.impressions = vectorFromArray(['1', '2', '3'], new Utf8());
    expect(() => score({ candidates: new Table(cols), surfaces: input.surfaces }, defaultSpec(), ctx)).toThrow(
      /column impressions has type Utf8, expected float64/,
    );
    const bad = Float64Array.from(input.candidates.getChild('impressions')!.toArray() as Float64Array);
    bad[1] = NaN;
    cols.impressions = makeVector({ type: new Float64(), data: bad });
    expect(() => score({ candidates: new Table(cols), surfaces: input.surfaces }, defaultSpec(), ctx)).toThrow(
      /column impressions is not finite at row 1 \(track_id=t000001/,
    );
    expect(CANDIDATE_NUMERIC_COLUMNS).toContain('impressions');
  });

  it('scores an empty candidate table', () => {
    const input = makeFixture({ seed: 1, markets: 1, tracksPerMarket: 2, licensors: 1 });
    const out = score({ candidates: input.candidates.slice(0, 0), surfaces: input.surfaces }, defaultSpec(), ctx);
    expect(out.table.numRows).toBe(0);
    expect(out.allocation.markets).toEqual([]);
    expect(out.allocation.certificate.gap).toBe(0);
  });
});
