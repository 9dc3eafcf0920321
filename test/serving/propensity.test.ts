/**
 * The serving cache hands each row's logged propensity to its readers (docs/serving.md, "What a
 * lookup returns"), so a ranker can log it with every impression, as docs/snapshots.md asks.
 */
import { Float64, makeVector, Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/serving/load-snapshot.ts';
import { MemoryStore, expectedByKey, makeRows, publishTestSnapshot, rowsTable } from './support.ts';

describe('propensity in the serving cache', () => {
  it('comes back with every row of a lookup and from the hot-path accessor', async () => {
    const store = new MemoryStore();
    const rows = makeRows(400, 3);
    await publishTestSnapshot(store, { version: 'v1', rows, buckets: 4 });
    const snap = await loadSnapshot(store, 'promo', 'v1');
    for (const [k, list] of expectedByKey(rows)) {
      const [t, m, s] = k.split('\u0000');
      expect(snap.index.lookup(t, m, s)!.map((r) => r.propensity)).toEqual(list.map((r) => r.propensity));
      const walked: number[] = [];
      for (let r = snap.index.find(t, m, s); r !== -1; r = snap.index.nextRow(r)) walked.push(snap.index.propensityOf(r));
      expect(walked).toEqual(list.map((r) => r.propensity));
    }
    expect(new Set(rows.map((r) => r.propensity)).size).toBeGreaterThan(1);
  });

  it('reads as 1 for a snapshot that predates the column (no holdout)', async () => {
    const store = new MemoryStore();
    const rows = makeRows(200, 4);
    const withoutColumn = (part: typeof rows) => {
      const t = rowsTable(part);
      return t.select(t.schema.fields.map((f) => f.name).filter((n) => n !== 'propensity'));
    };
    await publishTestSnapshot(store, { version: 'v1', rows, buckets: 2, table: withoutColumn });
    const snap = await loadSnapshot(store, 'promo', 'v1');
    const first = rows[0];
    expect(snap.index.lookup(first.track_id, first.market, first.surface)!.every((r) => r.propensity === 1)).toBe(true);
  });

  it('refuses a propensity column of another type than float32', async () => {
    const store = new MemoryStore();
    const rows = makeRows(50, 5);
    const float64 = (part: typeof rows) => {
      const t = rowsTable(part);
      const cols = Object.fromEntries(t.schema.fields.map((f) => [f.name, t.getChild(f.name)!]));
      return new Table({ ...cols, propensity: makeVector({ type: new Float64(), data: Float64Array.from(part, (r) => r.propensity) }) });
    };
    await publishTestSnapshot(store, { version: 'v1', rows, buckets: 1, table: float64 });
    await expect(loadSnapshot(store, 'promo', 'v1')).rejects.toThrow(/column "propensity" is Float64, the contract says float32/);
  });
});
