import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Table } from 'apache-arrow';
import { InputDataError } from '../../src/core/errors.ts';
import { CANDIDATE_NUMERIC_COLUMNS, CANDIDATE_STRING_COLUMNS, SURFACE_NUMERIC_COLUMNS, SURFACE_STRING_COLUMNS } from '../../src/scoring/features.ts';
import type { QueryRequest, Warehouse } from '../../src/warehouse/port.ts';
import { featureParams, loadQuery, type FeatureParamOptions } from '../../src/warehouse/queries.ts';
import { CONTRACT_TABLE_NAMES } from '../../src/warehouse/tables.ts';

export interface WarehouseFixture {
  /** a warehouse over a dataset holding the seven contract tables */
  warehouse: Warehouse;
  /** the as-of date the data was generated for */
  asOf: string;
  /** the row count of each contract table, as written by whoever built the data */
  rows: Readonly<Record<string, number>>;
  /** a second, independent warehouse over the same data */
  reopen(): Promise<Warehouse>;
  /** a warehouse over the same data with `table` left out */
  withoutTable(table: string): Promise<Warehouse>;
  cleanup(): Promise<void>;
}

const CANDIDATE_COLUMNS = [...CANDIDATE_STRING_COLUMNS, ...CANDIDATE_NUMERIC_COLUMNS];
const SURFACE_COLUMNS = [...SURFACE_STRING_COLUMNS, ...SURFACE_NUMERIC_COLUMNS];
const ORDER: Record<string, readonly string[]> = {
  candidates: ['market', 'surface', 'track_id', 'campaign_id'],
  surfaces: ['market', 'surface'],
};
// the table both feature queries need, dropped for the missing-table case
const DROPPED = 'licensors';

function request(name: string, asOf: string, opts: FeatureParamOptions = {}): QueryRequest {
  return { name, sql: loadQuery(name), params: featureParams(asOf, opts), labels: { job: 'contract', as_of: asOf } };
}

/** Rows as plain arrays in column order (numbers stay numbers, strings stay strings). */
function rowsOf(t: Table): unknown[][] {
  const cols = t.schema.fields.map((f) => t.getChild(f.name)!.toArray() as ArrayLike<unknown>);
  return Array.from({ length: t.numRows }, (_, i) => cols.map((c) => c[i]));
}

function column<T>(t: Table, name: string): T[] {
  return Array.from(t.getChild(name)!.toArray() as ArrayLike<T>);
}

function compareKeys(t: Table, keys: readonly string[]): number {
  // returns the index of the first row out of key order, or -1
  const cols = keys.map((k) => column<string>(t, k));
  for (let i = 1; i < t.numRows; i++) {
    for (const c of cols) {
      if (c[i - 1] < c[i]) break;
      if (c[i - 1] > c[i]) return i;
    }
  }
  return -1;
}

/**
 * The Warehouse contract, adapter-neutral: the feature queries of sql/ give the columns and types of
 * src/scoring/features.ts, in order, with their named parameters bound; inputs are described with
 * row counts and stable fingerprints; dry runs report bytes; a missing table is an InputDataError
 * naming it. `make` builds the data once per suite (it is costly for remote warehouses).
 */
export function warehouseContract(name: string, make: () => Promise<WarehouseFixture>): void {
  describe(`Warehouse contract: ${name}`, () => {
    let fx: WarehouseFixture;
    let wh: Warehouse;
    const results = new Map<string, Promise<Table>>();
    // each unfiltered feature query runs once per suite and is shared by the tests that read it
    const full = (q: string) => {
      if (!results.has(q)) results.set(q, wh.query(request(q, fx.asOf)).then((r) => r.table));
      return results.get(q)!;
    };

    beforeAll(async () => {
      fx = await make();
      wh = fx.warehouse;
    }, 120_000);
    afterAll(async () => {
      await fx?.warehouse.close();
      await fx?.cleanup();
    });

    it.each([
      ['candidates', CANDIDATE_COLUMNS, CANDIDATE_STRING_COLUMNS.length],
      ['surfaces', SURFACE_COLUMNS, SURFACE_STRING_COLUMNS.length],
    ] as const)('%s returns the feature columns in contract order and types, in key order', async (q, columns, nStrings) => {
      const r = await wh.query(request(q, fx.asOf));
      const t = r.table;
      expect(typeof r.jobId).toBe('string');
      expect(r.jobId.length).toBeGreaterThan(0);
      expect(t.schema.fields.map((f) => f.name)).toEqual(columns);
      t.schema.fields.forEach((f, i) => expect(String(f.type), f.name).toBe(i < nStrings ? 'Utf8' : 'Float64'));
      expect(t.numRows).toBeGreaterThan(0);
      for (const c of columns) expect(t.getChild(c)!.nullCount, c).toBe(0);
      expect(compareKeys(t, ORDER[q])).toBe(-1);
    });

    it('surfaces has one row per surface_capacity row', async () => {
      expect((await full('surfaces')).numRows).toBe(fx.rows.surface_capacity);
    });

    it.each(['candidates', 'surfaces'])('%s binds @markets: a market filter keeps exactly those markets’ rows', async (q) => {
      const all = await full(q);
      const markets = column<string>(all, 'market');
      const chosen = [...new Set([markets[0], markets[markets.length - 1]])];
      expect(new Set(markets).size).toBeGreaterThan(chosen.length); // the filter must drop something
      const filtered = (await wh.query(request(q, fx.asOf, { markets: chosen }))).table;
      const expected = rowsOf(all).filter((_, i) => chosen.includes(markets[i]));
      expect(filtered.numRows).toBe(expected.length);
      expect(rowsOf(filtered)).toEqual(expected);
    });

    it('binds @window_days and @as_of: a shorter window counts fewer impressions', async () => {
      const sum = (t: Table) => column<number>(t, 'impressions').reduce((a, b) => a + b, 0);
      const wide = sum(await full('candidates'));
      const narrow = sum((await wh.query(request('candidates', fx.asOf, { windowDays: 1 }))).table);
      expect(narrow).toBeGreaterThanOrEqual(0);
      expect(narrow).toBeLessThan(wide);
      // long before the data starts there is no engagement in the window at all
      const early = (await wh.query(request('candidates', '2000-01-01'))).table;
      expect(sum(early)).toBe(0);
    });

    it('describeInputs names the seven tables with row counts and stable fingerprints', async () => {
      const a = await wh.describeInputs();
      expect(a.map((i) => i.table)).toEqual([...CONTRACT_TABLE_NAMES]);
      for (const i of a) {
        expect(i.rows, i.table).toBe(fx.rows[i.table]);
        expect(i.fingerprint, i.table).toMatch(/^\S{8,}$/);
      }
      expect(new Set(a.map((i) => i.fingerprint)).size).toBe(a.length);
      expect(await wh.describeInputs()).toEqual(a);
      const other = await fx.reopen();
      try {
        expect(await other.describeInputs()).toEqual(a);
      } finally {
        await other.close();
      }
    });

    it.each(['candidates', 'surfaces'])('dryRun of %s reports the bytes it would read', async (q) => {
      const d = await wh.dryRun(request(q, fx.asOf));
      expect(d.name).toBe(q);
      expect(Number.isFinite(d.bytesProcessed)).toBe(true);
      expect(d.bytesProcessed).toBeGreaterThan(0);
    });

    it(`a missing table (${DROPPED}) is an InputDataError naming it`, async () => {
      const partial = await fx.withoutTable(DROPPED);
      try {
        for (const attempt of [() => partial.query(request('candidates', fx.asOf)), () => partial.describeInputs()]) {
          const err = await attempt().then(
            () => null,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(InputDataError);
          expect((err as Error).message).toContain(DROPPED);
        }
      } finally {
        await partial.close();
      }
    });

    it('close() releases a warehouse; the data stays readable through another', async () => {
      const w = await fx.reopen();
      expect((await w.describeInputs()).length).toBe(CONTRACT_TABLE_NAMES.length);
      await expect(w.close()).resolves.toBeUndefined();
      const again = await fx.reopen();
      try {
        expect((await again.query(request('surfaces', fx.asOf))).table.numRows).toBe(fx.rows.surface_capacity);
      } finally {
        await again.close();
      }
    });
  });
}
