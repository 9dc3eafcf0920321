import type { Table } from 'apache-arrow';
import { validity } from './utf8-column.ts';

/**
 * A numeric column as one typed array (zero-copy for a single chunk) with NULLs read as NaN, so
 * one finiteness test covers NULL, NaN and ±Inf.
 */
export function numericColumn(table: Table, name: string): Float64Array | Float32Array {
  const v = table.getChild(name);
  if (!v) throw new TypeError(`table has no column ${name}`);
  const chunks = v.data;
  if (chunks.length === 1 && !chunks[0].nullCount) {
    const vals = chunks[0].values;
    if (vals instanceof Float64Array || vals instanceof Float32Array) return vals.subarray(0, v.length);
  }
  const out = new Float64Array(v.length);
  let at = 0;
  for (const d of chunks) {
    const vals = d.values as ArrayLike<number | bigint>;
    const valid = validity(d);
    for (let i = 0; i < d.length; i++) out[at + i] = valid && !valid[i] ? NaN : Number(vals[i]);
    at += d.length;
  }
  return out;
}
