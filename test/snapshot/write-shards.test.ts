import { Field, Float64, Schema, Table, tableFromIPC, Utf8, vectorFromArray, makeData, Struct, RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { OutputGateError } from '../../src/core/errors.ts';
import { bucketOf } from '../../src/core/hash.ts';
import { bucketOfRows, encodeShards, shardFileName } from '../../src/snapshot/write-shards.ts';
import { bucketIndices } from '../support/bucket-indices.ts';
import { partitionRows } from '../../src/snapshot/partition.ts';
import { takeRows } from '../support/take-rows.ts';
import { tableToIPC } from 'apache-arrow';
import { crc32cBase64, sha256Hex } from '../../src/core/hash.ts';
import { makeColumns, makeTable, SCHEMA } from './fixtures.ts';

describe('encodeShards', () => {
  it('puts every row in the bucket of its track_id, in table order, with all values intact', () => {
    const rows = 2000;
    const cols = makeColumns(rows, 7);
    const shards = encodeShards(makeTable(rows, 7), { buckets: 8 });
    let total = 0;
    for (const s of shards) {
      const t = tableFromIPC(s.bytes);
      expect(t.numRows).toBe(s.entry.rows);
      expect(s.entry.path).toBe(shardFileName(s.entry.bucket));
      const row = t.getChild('row')!.toArray() as Int32Array;
      const ids = t.getChild('track_id')!;
      const score = t.getChild('score')!.toArray() as Float32Array;
      const share = t.getChild('share')!.toArray() as Float64Array;
      const reason = t.getChild('reason')!.toArray() as Uint32Array;
      const note = t.getChild('note')!;
      for (let i = 0; i < t.numRows; i++) {
        const src = row[i];
        if (i > 0) expect(src).toBeGreaterThan(row[i - 1]);
        expect(ids.get(i)).toBe(cols.track_id[src]);
        expect(bucketOf(cols.track_id[src], 8)).toBe(s.entry.bucket);
        expect(score[i]).toBe(cols.score[src]);
        expect(share[i]).toBe(cols.share[src]);
        expect(reason[i]).toBe(cols.reason[src]);
        expect(note.get(i)).toBe(cols.note[src]);
      }
      total += t.numRows;
    }
    expect(total).toBe(rows);
    expect(new Set(shards.map((s) => s.entry.bucket)).size).toBe(shards.length);
  });

  it('records the size and checksums of the exact bytes', () => {
    for (const s of encodeShards(makeTable(300, 3), { buckets: 4 })) {
      expect(s.entry.bytes).toBe(s.bytes.byteLength);
      expect(s.entry.sha256).toBe(sha256Hex(s.bytes));
      expect(s.entry.crc32c).toBe(crc32cBase64(s.bytes));
    }
  });

  it('is byte-identical for identical tables, however the input is chunked', () => {
    const a = encodeShards(makeTable(1500, 11), { buckets: 6 });
    const b = encodeShards(makeTable(1500, 11), { buckets: 6 });
    const c = encodeShards(makeTable(1500, 11, 5), { buckets: 6 });
    const d = encodeShards(makeTable(1500, 12), { buckets: 6 });
    expect(b.map((s) => s.entry)).toEqual(a.map((s) => s.entry));
    expect(c.map((s) => s.entry)).toEqual(a.map((s) => s.entry));
    a.forEach((s, i) => expect(Buffer.compare(Buffer.from(s.bytes), Buffer.from(c[i].bytes))).toBe(0));
    expect(d.map((s) => s.entry.sha256)).not.toEqual(a.map((s) => s.entry.sha256));
  });

  it('agrees with bucketOf on every row, across chunks', () => {
    const cols = makeColumns(999, 5);
    const groups = bucketIndices(makeTable(999, 5, 4), 16);
    const seen = new Int32Array(999).fill(-1);
    groups.forEach((idx, b) => idx.forEach((r) => (seen[r] = b)));
    cols.track_id.forEach((id, r) => expect(seen[r]).toBe(bucketOf(id, 16)));
  });

  it('partitions exactly as gathering each bucket by index would (two independent paths, same bytes)', () => {
    for (const chunks of [1, 3]) {
      const t = makeTable(700, 21, chunks);
      const parts = partitionRows(t, bucketOfRows(t, 5), 5);
      const groups = bucketIndices(t, 5);
      parts.forEach((batch, b) => {
        const a = tableToIPC(new Table(t.schema, [batch]), 'file');
        const g = tableToIPC(new Table(t.schema, [takeRows(t, groups[b])]), 'file');
        expect(Buffer.compare(Buffer.from(a), Buffer.from(g)), `bucket ${b}, ${chunks} chunks`).toBe(0);
      });
    }
  });

  it('handles a table without any record batch', () => {
    const s = encodeShards(new Table(SCHEMA), { buckets: 3 });
    expect(s.map((x) => x.entry.rows)).toEqual([0]);
    expect(tableFromIPC(s[0].bytes).schema.fields.map((f) => f.name)).toEqual(SCHEMA.fields.map((f) => f.name));
  });

  it('names files per producer task', () => {
    const s = encodeShards(makeTable(50, 2), { buckets: 3, taskId: 4 });
    for (const x of s) expect(x.entry.path).toBe(`part-${String(x.entry.bucket).padStart(5, '0')}-t4.arrow`);
    expect(shardFileName(12)).toBe('part-00012.arrow');
  });

  it('writes one empty shard for an empty table, so readers learn the schema', () => {
    const s = encodeShards(makeTable(0, 1), { buckets: 4 });
    expect(s).toHaveLength(1);
    expect(s[0].entry).toMatchObject({ bucket: 0, rows: 0 });
    const t = tableFromIPC(s[0].bytes);
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => f.name)[0]).toBe('track_id');
  });

  it('refuses tables that break the column contract, naming the column', () => {
    const bad = new Schema([new Field('track_id', new Utf8()), new Field('market', new Float64())]);
    const data = makeData({
      type: new Struct(bad.fields), length: 1, nullCount: 0,
      children: [vectorFromArray(['t'], new Utf8()).data[0], vectorFromArray([1], new Float64()).data[0]],
    });
    const t = new Table(bad, [new RecordBatch(bad, data)]);
    expect(() => encodeShards(t, { buckets: 2 })).toThrow(OutputGateError);
    expect(() => encodeShards(t, { buckets: 2 })).toThrow(/"market" is float64, the contract says utf8/);
    const good = makeTable(10, 1);
    const schema = new Schema(good.schema.fields.map((f, i) => (i === 2 ? new Field('surfac', f.type, f.nullable) : f)));
    const renamed = new Table(schema, good.batches.map((b) => new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: b.numRows, nullCount: 0, children: b.data.children }))));
    expect(() => encodeShards(renamed, { buckets: 2 })).toThrow(/column 3 is "surfac"/);
    expect(() => encodeShards(good, { buckets: 0 })).toThrow(/buckets must be a positive integer/);
  });
});
