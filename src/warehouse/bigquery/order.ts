/**
 * BigQuery does not keep a query's ORDER BY in its destination table, and the Storage Read API
 * spreads rows over streams as it likes; the feature contract (src/scoring/features.ts) promises an
 * order, and snapshots must be byte-identical run to run. So the result is put back in key order
 * here: a linear check first (a result already in order costs one pass), a stable sort otherwise.
 */
import { makeData, makeVector, RecordBatch, Table, vectorFromArray, type Vector } from 'apache-arrow';
import { InfraError } from '../../core/errors.ts';

/** Key columns of each feature query, as its ORDER BY and the feature contract state them. */
export const FEATURE_QUERY_ORDER: Record<string, readonly string[]> = {
  candidates: ['market', 'surface', 'track_id', 'campaign_id'],
  surfaces: ['market', 'surface'],
};

type Key = ArrayLike<unknown>;

function keyColumns(table: Table, keys: readonly string[], context: string): Key[] {
  return keys.map((k) => {
    const col = table.getChild(k);
    if (!col) throw new InfraError(`${context}: result has no key column ${k} to order by`);
    // one JS array per key column: comparisons then cost no Arrow lookups
    return col.toArray() as Key;
  });
}

function compareAt(cols: Key[], a: number, b: number): number {
  for (const c of cols) {
    const x = c[a] as string | number | bigint | null;
    const y = c[b] as string | number | bigint | null;
    if (x === y) continue;
    // NULLs first, as BigQuery's ascending ORDER BY puts them
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function isOrdered(table: Table, keys: readonly string[], context = 'result'): boolean {
  const cols = keyColumns(table, keys, context);
  for (let i = 1; i < table.numRows; i++) if (compareAt(cols, i - 1, i) > 0) return false;
  return true;
}

function gather(col: Vector, perm: Uint32Array): Vector {
  const n = perm.length;
  const values = col.toArray() as ArrayLike<unknown>;
  // fixed-width numbers: gather into a typed array of the same kind, carrying the validity bits
  if (ArrayBuffer.isView(values) && !(values instanceof DataView) && col.nullCount === 0) {
    const Ctor = (values as unknown as { constructor: new (n: number) => { [i: number]: unknown } }).constructor;
    const out = new Ctor(n);
    for (let i = 0; i < n; i++) out[i] = (values as { [i: number]: unknown })[perm[i]];
    return makeVector(makeData({ type: col.type, length: n, nullCount: 0, data: out } as never));
  }
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = col.get(perm[i]);
  return vectorFromArray(out, col.type);
}

/** The table in key order (stable: rows with equal keys keep their stream order). */
export function orderTable(table: Table, keys: readonly string[], context = 'result'): Table {
  if (table.numRows < 2 || isOrdered(table, keys, context)) return table;
  const cols = keyColumns(table, keys, context);
  const perm = Uint32Array.from({ length: table.numRows }, (_, i) => i);
  perm.sort((a, b) => compareAt(cols, a, b) || a - b);
  const children: Record<string, Vector> = {};
  for (const f of table.schema.fields) children[f.name] = gather(table.getChild(f.name)!, perm);
  const sorted = new Table(children);
  return new Table(table.schema, sorted.batches.map((b) => new RecordBatch(table.schema, b.data)));
}
