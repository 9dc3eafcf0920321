import type { Table } from 'apache-arrow';
import { bucketOfRows } from '../../src/snapshot/write-shards.ts';

/** Row indices of each bucket, in table order. */
export function bucketIndices(table: Table, buckets: number): Int32Array[] {
  const bucketOfRow = bucketOfRows(table, buckets);
  const counts = new Int32Array(buckets);
  for (let r = 0; r < bucketOfRow.length; r++) counts[bucketOfRow[r]]++;
  const out = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(buckets);
  for (let r = 0; r < bucketOfRow.length; r++) {
    const b = bucketOfRow[r];
    out[b][fill[b]++] = r;
  }
  return out;
}
