import { Dictionary, Float64, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { filterTable } from '../../src/quality/filter-table.ts';
import { duplicateRows, groupIds, matchTuples, nullRows } from '../../src/quality/key-match.ts';
import { scorePsi } from '../../src/quality/psi.ts';
import { RowMask } from '../../src/quality/row-mask.ts';
import { textAt, utf8Column } from '../../src/quality/utf8-column.ts';

function rows(t: Table): unknown[] {
  return t.toArray().map((r) => r.toJSON());
}

const sample = () =>
  new Table({
    k: vectorFromArray(['a', 'bb', null, 'ccc', 'a', 'é'], new Utf8()),
    d: vectorFromArray(['x', 'y', 'x', 'z', 'x', 'y'], new Dictionary(new Utf8(), new Int32())),
    n: vectorFromArray([1, 2, 3, NaN, null, 6], new Float64()),
  });

describe('RowMask', () => {
  it('counts, lists and subtracts', () => {
    const m = new RowMask(70);
    [0, 31, 32, 69].forEach((i) => m.set(i));
    expect(m.count()).toBe(4);
    expect(m.first(10)).toEqual([0, 31, 32, 69]);
    const o = new RowMask(70);
    o.set(31);
    expect(m.minus(o).first(10)).toEqual([0, 32, 69]);
  });
});

describe('filterTable', () => {
  it('drops exactly the marked rows, keeping types, nulls and dictionary', () => {
    const t = sample();
    const m = new RowMask(t.numRows);
    m.set(1);
    m.set(4);
    const f = filterTable(t, m);
    expect(f.schema.fields.map((x) => String(x.type))).toEqual(t.schema.fields.map((x) => String(x.type)));
    expect(rows(f)).toEqual([
      { k: 'a', d: 'x', n: 1 },
      { k: null, d: 'x', n: 3 },
      { k: 'ccc', d: 'z', n: NaN },
      { k: 'é', d: 'y', n: 6 },
    ]);
  });
  it('handles tables of several record batches', () => {
    const t = sample().concat(sample());
    const m = new RowMask(t.numRows);
    for (let i = 0; i < t.numRows; i += 2) m.set(i);
    const f = filterTable(t, m);
    expect(f.numRows).toBe(6);
    expect(f.getChild('k')!.toArray()).toEqual(['bb', 'ccc', 'é', 'bb', 'ccc', 'é']);
    expect(f.getChild('d')!.toArray()).toEqual(['y', 'z', 'y', 'y', 'z', 'y']);
    const odd = new RowMask(t.numRows);
    for (let i = 1; i < t.numRows; i += 2) odd.set(i);
    const g = filterTable(t, odd);
    expect(g.getChild('k')!.toArray()).toEqual(['a', null, 'a', 'a', null, 'a']);
    expect(g.getChild('k')!.nullCount).toBe(2);
  });
  it('returns the table itself when nothing is dropped', () => {
    const t = sample();
    expect(filterTable(t, new RowMask(t.numRows))).toBe(t);
  });
});

describe('key matching on raw bytes', () => {
  it('matches tuples over plain and dictionary columns, never NULLs', () => {
    const t = sample();
    const k = utf8Column(t.getChild('k')!, 'k');
    const d = utf8Column(t.getChild('d')!, 'd');
    expect(matchTuples([k, d], [['a', 'x'], ['é', 'y'], ['bb', 'nope']]).first(10)).toEqual([0, 4, 5]);
    expect(matchTuples([d], [['x']]).first(10)).toEqual([0, 2, 4]);
    expect(nullRows([k]).first(10)).toEqual([2]);
    expect(textAt(d, 3)).toBe('z');
  });
  it('finds every copy of a repeated key and groups keys densely', () => {
    const t = sample();
    const k = utf8Column(t.getChild('k')!, 'k');
    const d = utf8Column(t.getChild('d')!, 'd');
    expect(duplicateRows([k]).first(10)).toEqual([0, 4]);
    expect(duplicateRows([k, d]).first(10)).toEqual([0, 4]);
    expect(duplicateRows([d]).first(10)).toEqual([0, 1, 2, 4, 5]);
    const g = groupIds([d]);
    expect(Array.from(g.ids)).toEqual([0, 1, 0, 2, 0, 1]);
    expect(g.reps).toEqual([0, 1, 3]);
  });
  it('sorted rows take the neighbour path and agree with hashing', () => {
    const keys = ['a', 'a', 'b', 'c', 'c', 'c', 'd'];
    const sorted = utf8Column(new Table({ k: vectorFromArray(keys, new Utf8()) }).getChild('k')!, 'k');
    const shuffled = utf8Column(new Table({ k: vectorFromArray(['c', 'a', 'd', 'c', 'b', 'a', 'c'], new Utf8()) }).getChild('k')!, 'k');
    expect(duplicateRows([sorted]).first(10)).toEqual([0, 1, 3, 4, 5]);
    expect(duplicateRows([shuffled]).first(10)).toEqual([0, 1, 3, 5, 6]);
  });
  it('is exact under hash collisions: many keys, one table', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `id-${(i * 7919) % 5000}`);
    keys.push('id-42');
    const t = new Table({ k: vectorFromArray(keys, new Utf8()) });
    const col = utf8Column(t.getChild('k')!, 'k');
    const dup = duplicateRows([col]);
    expect(dup.count()).toBe(2);
    expect(dup.first(2).map((i) => keys[i])).toEqual(['id-42', 'id-42']);
  });
});

describe('score PSI', () => {
  const q = { p0: 0, p1: 0, p5: 0, p25: 0, p50: 0.2, p75: 0.5, p95: 0.9, p99: 0.99, p100: 1 };
  it('is ~0 for the distribution the quantiles came from, ties included', () => {
    // 40% exact zeros, the rest spread so the quantiles above hold
    const scores: number[] = [];
    for (let i = 0; i < 10000; i++) scores.push(i < 4000 ? 0 : (i - 4000) / 6000);
    const psi = scorePsi(q, scores)!;
    expect(psi.psi).toBeLessThan(0.15);
    expect(psi.bins.reduce((s, b) => s + b.actual, 0)).toBeCloseTo(1, 9);
  });
  it('grows with a shift and ignores NaN', () => {
    const near = scorePsi(q, Array.from({ length: 1000 }, (_, i) => i / 1000))!.psi;
    const far = scorePsi(q, Array.from({ length: 1000 }, (_, i) => 5 + i / 1000))!.psi;
    expect(far).toBeGreaterThan(near);
    expect(far).toBeGreaterThan(1);
    expect(scorePsi(q, [NaN, NaN])).toBeNull();
    expect(scorePsi({ p0: 1, p100: 2 }, [1])).toBeNull();
  });
});
