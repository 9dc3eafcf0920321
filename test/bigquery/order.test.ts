import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableFromArrays, vectorFromArray, Utf8, Table } from 'apache-arrow';
import { isOrdered, orderTable } from '../../src/warehouse/bigquery/order.ts';
import type { BigQueryDouble } from '../doubles/bigquery/index.ts';
import { DATASET, doubleWithPlays, PROJECT, warehouseOn } from './helpers.ts';

describe('orderTable', () => {
  it('sorts by several keys, NULLs first, stable for equal keys, every column moved together', () => {
    const t = new Table({
      market: vectorFromArray(['SE', 'DE', 'SE', null, 'DE', 'SE'], new Utf8()),
      track: vectorFromArray(['b', 'z', 'a', 'q', 'z', 'a'], new Utf8()),
      v: tableFromArrays({ v: Float64Array.from([1, 2, 3, 4, 5, 6]) }).getChild('v')!,
      n: tableFromArrays({ n: BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n]) }).getChild('n')!,
    });
    expect(isOrdered(t, ['market', 'track'])).toBe(false);
    const s = orderTable(t, ['market', 'track']);
    expect(s.toArray().map((r) => r.toJSON())).toEqual([
      { market: null, track: 'q', v: 4, n: 4n },
      { market: 'DE', track: 'z', v: 2, n: 2n },
      { market: 'DE', track: 'z', v: 5, n: 5n },
      { market: 'SE', track: 'a', v: 3, n: 3n },
      { market: 'SE', track: 'a', v: 6, n: 6n },
      { market: 'SE', track: 'b', v: 1, n: 1n },
    ]);
    expect(isOrdered(s, ['market', 'track'])).toBe(true);
    expect(s.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(t.schema.fields.map((f) => `${f.name}:${f.type}`));
  });
  it('returns an ordered table as it is', () => {
    const t = tableFromArrays({ k: Float64Array.from([1, 2, 2, 3]) });
    expect(orderTable(t, ['k'])).toBe(t);
  });
});

describe('results read from shuffled streams', () => {
  let d: BigQueryDouble;
  beforeAll(async () => {
    d = await doubleWithPlays(3000);
    d.read.shuffleSeed = 12345;
    d.read.batchRows = 200;
  });
  afterAll(async () => {
    await d?.close();
  });

  it('come back in the feature order for the feature queries, and in the configured order for others', async () => {
    const w = warehouseOn(d, { maxStreams: 4, orderBy: { plays: ['id'], candidates: ['market', 'surface', 'track_id', 'campaign_id'] } });
    try {
      const plays = await w.query({ name: 'plays', sql: `SELECT id, market FROM \`${PROJECT}.${DATASET}.plays\` ORDER BY id`, params: {}, labels: {} });
      expect(Array.from(plays.table.getChild('id')!.toArray() as BigInt64Array, Number)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
      const cand = await w.query({
        name: 'candidates',
        sql: `SELECT market, CASE WHEN id % 2 = 0 THEN 'radio' ELSE 'mix' END AS surface, track_id, 'c' || (id % 5) AS campaign_id, id
              FROM \`${PROJECT}.${DATASET}.plays\``,
        params: {},
        labels: {},
      });
      expect(cand.table.numRows).toBe(3000);
      expect(isOrdered(cand.table, ['market', 'surface', 'track_id', 'campaign_id'])).toBe(true);
      const unordered = await w.query({ name: 'other', sql: `SELECT id FROM \`${PROJECT}.${DATASET}.plays\``, params: {}, labels: {} });
      expect(isOrdered(unordered.table, ['id'])).toBe(false);
    } finally {
      await w.close();
    }
  });
});
