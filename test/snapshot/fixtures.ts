import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Field, Float32, Float64, Int32, makeData, RecordBatch, Schema, Struct, Table, Uint32, Utf8, vectorFromArray,
} from 'apache-arrow';
import { OutboxNotifier } from '../../src/notify/outbox/notifier.ts';
import { readOutbox } from '../support/outbox.ts';
import type { ManifestFields } from '../../src/snapshot/manifest.ts';
import { LocalStore } from '../../src/store/local/store.ts';

/** xorshift32, seeded: every table in these tests is reproducible. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const MARKETS = ['SE', 'US', 'BR', 'JP', 'DE'];
const SURFACES = ['radio', 'autoplay', 'mix'];

export interface Columns {
  track_id: string[];
  market: string[];
  surface: string[];
  campaign_id: string[];
  licensor_id: string[];
  score: Float32Array;
  boost: Float32Array;
  share: Float64Array;
  upper: Float64Array;
  value: Float64Array;
  headroom: Float64Array;
  skip_upper: Float64Array;
  reason: Uint32Array;
  /** diagnostic: the row's position in the input, to check order and values after bucketing */
  row: Int32Array;
  /** diagnostic with nulls: null on every 7th row */
  note: (string | null)[];
}

export function makeColumns(rows: number, seed = 1): Columns {
  const r = rng(seed);
  const tracks = Array.from({ length: Math.max(1, Math.ceil(rows / 3)) }, () =>
    Array.from({ length: 22 }, () => B62[Math.floor(r() * 62)]).join(''),
  );
  const c: Columns = {
    track_id: [], market: [], surface: [], campaign_id: [], licensor_id: [],
    score: new Float32Array(rows), boost: new Float32Array(rows), share: new Float64Array(rows), upper: new Float64Array(rows),
    value: new Float64Array(rows), headroom: new Float64Array(rows), skip_upper: new Float64Array(rows),
    reason: new Uint32Array(rows), row: new Int32Array(rows), note: [],
  };
  for (let i = 0; i < rows; i++) {
    const t = Math.floor(r() * tracks.length);
    c.track_id.push(tracks[t]);
    c.market.push(MARKETS[Math.floor(r() * MARKETS.length)]);
    c.surface.push(SURFACES[Math.floor(r() * SURFACES.length)]);
    c.campaign_id.push(`cmp-${i}`);
    c.licensor_id.push(`lic-${t % 13}`);
    const share = r() < 0.4 ? r() : 0;
    c.share[i] = share;
    c.boost[i] = 1 + share * 2;
    c.score[i] = (r() - 0.3) * 4;
    c.upper[i] = share > 0 ? 1 : r() < 0.5 ? 0 : 1;
    c.value[i] = r();
    c.headroom[i] = Math.floor(r() * 10000);
    c.skip_upper[i] = r() * 0.5;
    c.reason[i] = Math.floor(r() * 1024);
    c.row[i] = i;
    c.note.push(i % 7 === 0 ? null : `n${i}`);
  }
  return c;
}

export const SCHEMA = new Schema([
  new Field('track_id', new Utf8(), false),
  new Field('market', new Utf8(), false),
  new Field('surface', new Utf8(), false),
  new Field('campaign_id', new Utf8(), false),
  new Field('licensor_id', new Utf8(), false),
  new Field('score', new Float32(), false),
  new Field('boost', new Float32(), false),
  new Field('share', new Float64(), false),
  new Field('upper', new Float64(), false),
  new Field('value', new Float64(), false),
  new Field('headroom', new Float64(), false),
  new Field('skip_upper', new Float64(), false),
  new Field('reason', new Uint32(), false),
  new Field('row', new Int32(), false),
  new Field('note', new Utf8(), true),
]);

function batchOf(c: Columns, from: number, to: number): RecordBatch {
  const children = SCHEMA.fields.map((f) => {
    const v = (c as unknown as Record<string, unknown>)[f.name];
    if (Array.isArray(v)) return vectorFromArray(v.slice(from, to), new Utf8()).data[0];
    const typed = v as Float32Array;
    return vectorFromArray(typed.slice(from, to) as never, f.type).data[0];
  });
  const data = makeData({ type: new Struct(SCHEMA.fields), length: to - from, nullCount: 0, children });
  return new RecordBatch(SCHEMA, data);
}

/** The table of `makeColumns(rows, seed)`, as one batch or split into `chunks` batches. */
export function makeTable(rows: number, seed = 1, chunks = 1): Table {
  const c = makeColumns(rows, seed);
  const batches: RecordBatch[] = [];
  const step = Math.ceil(rows / chunks) || 1;
  for (let from = 0; from < rows || batches.length === 0; from += step) batches.push(batchOf(c, from, Math.min(rows, from + step)));
  return new Table(SCHEMA, batches);
}

export function manifestFields(tag = 'test'): ManifestFields {
  return {
    producer: { package_version: '0.1.0', git_sha: 'abc123', spec_hash: 'spec-1', job_name: 'nightly', run_id: `run-${tag}` },
    inputs: { warehouse: 'duckdb:/tmp/x.duckdb', tables: [{ table: 'campaigns', rows: 10, fingerprint: 'f1' }], queries: [], fingerprint: 'fp-1' },
    quality: { input: [], output: [] },
    allocation: { tolerance: 1e-4, certificate: { primal: 1, dual_bound: 1, gap: 0, max_violation: 0 }, markets: [] },
  };
}

export interface Workspace {
  dir: string;
  store: LocalStore;
  outboxFile: string;
  notifier: OutboxNotifier;
  outbox(): ReturnType<typeof readOutbox>;
  cleanup(): Promise<void>;
}

export async function workspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'promoscore-snap-'));
  const outboxFile = join(dir, 'outbox.ndjson');
  return {
    dir,
    store: new LocalStore(join(dir, 'store')),
    outboxFile,
    notifier: new OutboxNotifier(outboxFile),
    outbox: () => readOutbox(outboxFile),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
