import type { Data, DataType, Table } from 'apache-arrow';
import { sortKeys } from '../core/hash.ts';
import { FORMAT_VERSION, type Manifest, type ShardEntry } from './contract.ts';
import { arrowTypeName } from './write-shards.ts';
// the scoring stage's key interning: pure, and the one place that hashes utf8 keys without decoding them
import { intern } from '../scoring/kernels/keys.ts';

/** What the caller (the run) knows that the table does not. */
export type ManifestFields = Pick<Manifest, 'producer' | 'inputs' | 'quality' | 'allocation'> & {
  previous_version?: string | null;
};

export interface BuildManifestOptions {
  dataset: string;
  version: string;
  asOf: string;
  buckets: number;
  shards: ShardEntry[];
  table: Table;
  fields: ManifestFields;
  previousVersion: string | null;
  /** defaults to now; tests pin it */
  createdAt?: Date;
}

export const QUANTILES = [0, 1, 5, 25, 50, 75, 95, 99, 100] as const;

export function buildManifest(o: BuildManifestOptions): Manifest {
  return {
    format_version: FORMAT_VERSION,
    dataset: o.dataset,
    version: o.version,
    as_of: o.asOf,
    created_at: (o.createdAt ?? new Date()).toISOString(),
    producer: o.fields.producer,
    inputs: o.fields.inputs,
    schema: o.table.schema.fields.map((f) => ({ name: f.name, type: arrowTypeName(f.type), nullable: f.nullable })),
    buckets: o.buckets,
    shards: [...o.shards].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    stats: snapshotStats(o.table),
    quality: o.fields.quality,
    allocation: o.fields.allocation,
    previous_version: o.fields.previous_version !== undefined ? o.fields.previous_version : o.previousVersion,
  };
}

/**
 * The manifest's bytes: top-level fields in contract order (people read it), nested objects with
 * sorted keys (whatever order the producer built them in), 2-space indent, trailing newline.
 */
export function manifestBytes(m: Manifest): Uint8Array {
  const order: (keyof Manifest)[] = [
    'format_version', 'dataset', 'version', 'as_of', 'created_at', 'previous_version', 'producer', 'inputs',
    'schema', 'buckets', 'shards', 'stats', 'quality', 'allocation',
  ];
  const top: Record<string, unknown> = {};
  for (const k of order) top[k] = sortKeys(m[k]);
  for (const k of Object.keys(m).sort()) if (!(k in top)) top[k] = sortKeys((m as unknown as Record<string, unknown>)[k]);
  return new TextEncoder().encode(JSON.stringify(top, null, 2) + '\n');
}

/** Rows, promoted rows (share > 0), per (market, surface) counts and score quantiles, columnar. */
export function snapshotStats(table: Table): Manifest['stats'] {
  const n = table.numRows;
  const share = numericColumn(table, 'share');
  const score = numericColumn(table, 'score');
  const market = utf8Keys(table, 'market');
  const surface = utf8Keys(table, 'surface');
  const groups = new Map<string, { market: string; surface: string; rows: number; promoted: number }>();
  // (market id, surface id) -> group, without a string per row
  const pairIndex = new Map<number, { market: string; surface: string; rows: number; promoted: number }>();
  let promoted = 0;
  for (let i = 0; i < n; i++) {
    const key = market.ids[i] * surface.names.length + surface.ids[i];
    let g = pairIndex.get(key);
    if (!g) {
      g = { market: market.names[market.ids[i]], surface: surface.names[surface.ids[i]], rows: 0, promoted: 0 };
      pairIndex.set(key, g);
      groups.set(`${g.market}\u0000${g.surface}`, g);
    }
    g.rows++;
    if (share[i] > 0) {
      g.promoted++;
      promoted++;
    }
  }
  const by_market_surface = [...groups.values()].sort((a, b) =>
    a.market < b.market ? -1 : a.market > b.market ? 1 : a.surface < b.surface ? -1 : a.surface > b.surface ? 1 : 0,
  );
  return { rows: n, promoted_rows: promoted, by_market_surface, score_quantiles: quantiles(score) };
}

/** Quantiles by linear interpolation between closest ranks; NaN values are left out. */
export function quantiles(values: ArrayLike<number>): Record<string, number> {
  const kept = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x === x) kept[n++] = x;
  }
  const sorted = kept.subarray(0, n).sort();
  const out: Record<string, number> = {};
  if (n === 0) return out;
  for (const q of QUANTILES) {
    const pos = (q / 100) * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    out[`p${q}`] = lo === hi ? sorted[lo] : sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }
  return out;
}

function numericColumn(table: Table, name: string): Float64Array {
  const col = table.getChild(name);
  if (!col) throw new Error(`snapshot table has no ${name} column`);
  const out = new Float64Array(table.numRows);
  let at = 0;
  for (const d of col.data as Data<DataType>[]) {
    const v = d.values as unknown as ArrayLike<number>;
    for (let i = 0; i < d.length; i++) out[at++] = v[i];
  }
  return out;
}

/** Dense ids for the distinct values of a key column, in order of first appearance. */
function utf8Keys(table: Table, name: string): { ids: Int32Array; names: string[] } {
  const col = table.getChild(name);
  if (!col) throw new Error(`snapshot table has no ${name} column`);
  const { ids, values } = intern(col);
  return { ids, names: values };
}
