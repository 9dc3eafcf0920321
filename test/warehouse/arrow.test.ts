import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { openDuckDB } from '../../src/warehouse/duckdb/engine.ts';
import { queryToArrow } from '../../src/warehouse/duckdb/arrow.ts';

// Strings of every awkward length: empty, inline (<= 12 bytes), exactly 12/13, 22-char ids, long,
// multi-byte text whose 12-character pieces exceed 12 bytes, and NULLs.
const SOURCE = `
  SELECT
    i,
    CASE i % 9
      WHEN 0 THEN NULL
      WHEN 1 THEN ''
      WHEN 2 THEN 'a'
      WHEN 3 THEN repeat('b', 12)
      WHEN 4 THEN repeat('c', 13)
      WHEN 5 THEN 'id' || lpad(i::VARCHAR, 20, '0')
      WHEN 6 THEN repeat('ø', 7) || i::VARCHAR
      WHEN 7 THEN repeat('🎵x', 9) || i::VARCHAR
      ELSE repeat('long-', 11) || i::VARCHAR
    END AS s,
    CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 0.25 - 100)::DOUBLE END AS d,
    CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 37)::INTEGER END AS n,
    (i * 1000003)::BIGINT AS b,
    CASE WHEN i % 5 = 0 THEN NULL ELSE i % 3 = 0 END AS flag,
    DATE '2026-01-01' + (i % 400)::INTEGER AS day,
    CASE WHEN i % 2 = 0 THEN 'SE' ELSE 'NO' END AS market
  FROM range(0, 5003) t(i)
  ORDER BY i`;

describe('DuckDB result → Arrow', () => {
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  let expected: Record<string, unknown>[];
  beforeAll(async () => {
    ({ instance, conn } = await openDuckDB(':memory:'));
    const reader = await conn.runAndReadAll(SOURCE);
    expected = reader.getRowObjectsJS().map((r) => ({ ...r, day: r.day === null ? null : (r.day as Date).getTime() }));
  });
  afterAll(() => {
    conn.closeSync();
    instance.closeSync();
  });

  for (const strings of ['pieces', 'pointer'] as const) {
    it(`equals DuckDB's own values across chunks (${strings})`, async () => {
      const table = await queryToArrow(conn, SOURCE, {}, strings);
      expect(table.numRows).toBe(5003);
      expect(table.batches).toHaveLength(1);
      expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
        'i:Int64', 's:Utf8', 'd:Float64', 'n:Int32', 'b:Int64', 'flag:Bool', 'day:Date32<DAY>', 'market:Utf8',
      ]);
      const cols = Object.fromEntries(table.schema.fields.map((f) => [f.name, table.getChild(f.name)!]));
      for (let r = 0; r < table.numRows; r++) {
        const want = expected[r];
        expect(cols.i.get(r)).toBe(want.i);
        expect(cols.s.get(r)).toBe(want.s);
        expect(cols.d.get(r)).toBe(want.d);
        expect(cols.n.get(r)).toBe(want.n);
        expect(cols.b.get(r)).toBe(want.b);
        expect(cols.flag.get(r)).toBe(want.flag);
        expect(cols.day.get(r)).toBe(want.day);
        expect(cols.market.get(r)).toBe(want.market);
      }
      expect(cols.s.nullCount).toBe(expected.filter((e) => e.s === null).length);
      expect(cols.d.nullCount).toBe(expected.filter((e) => e.d === null).length);
      expect(cols.b.nullCount).toBe(0);
    });
  }

  it('a query ending in a comment or a semicolon converts too', async () => {
    const table = await queryToArrow(conn, "SELECT 'abcdefghijklmnopqrstuvwxyz' AS s, 2.5::DOUBLE AS d;  \n");
    expect(table.toArray().map((r) => r.toJSON())).toEqual([{ s: 'abcdefghijklmnopqrstuvwxyz', d: 2.5 }]);
    const t2 = await queryToArrow(conn, "SELECT 'x' AS s -- trailing note");
    expect(t2.getChild('s')!.get(0)).toBe('x');
  });

  it('an empty result is an empty table with the columns', async () => {
    const table = await queryToArrow(conn, `SELECT 'x' AS s, 1.5 :: DOUBLE AS d WHERE false`);
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['s', 'd']);
  });

  it('a type without a conversion is named in the error', async () => {
    await expect(queryToArrow(conn, 'SELECT [1, 2] AS xs')).rejects.toThrow(/column xs/);
  });
});
