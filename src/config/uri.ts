/**
 * The URIs that choose a port's adapter (docs/architecture.md, "Ports"): parsed once, at the edge, into tagged
 * objects so adapters never re-parse strings. Every error names the flag (or config field) the
 * value came from, because that is what the person at the terminal has to fix.
 */
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';

export type WarehouseTarget =
  | { kind: 'bigquery'; uri: string; project: string; dataset: string }
  | { kind: 'duckdb'; uri: string; path: string }
  | { kind: 'parquet'; uri: string; dir: string };

export type StoreTarget =
  | { kind: 'gcs'; uri: string; bucket: string; prefix: string }
  | { kind: 'file'; uri: string; dir: string };

export type NotifyTarget =
  | { kind: 'pubsub-topic'; uri: string; project: string; topic: string; name: string }
  | { kind: 'file'; uri: string; path: string };

export type SubscriptionTarget =
  | { kind: 'pubsub-subscription'; uri: string; project: string; subscription: string; name: string }
  | { kind: 'file'; uri: string; path: string };

export type BigQueryTarget = Extract<WarehouseTarget, { kind: 'bigquery' }>;
export type GcsTarget = Extract<StoreTarget, { kind: 'gcs' }>;
export type PubSubTopicTarget = Extract<NotifyTarget, { kind: 'pubsub-topic' }>;
export type PubSubSubscriptionTarget = Extract<SubscriptionTarget, { kind: 'pubsub-subscription' }>;

export interface ParseOptions {
  /** what to name in errors: a flag (`--store`) or a config field (`jobs/nightly.yaml: store`) */
  flag?: string;
  /** base directory for relative local paths (default: the current directory) */
  cwd?: string;
}

// GCP naming rules, checked here so a typo fails at exit 2 instead of as an API error at exit 5.
// Project ids: 6–30 chars, lowercase/digits/hyphens, starting with a letter; legacy domain-scoped
// ids look like `example.com:my-project`.
const PROJECT_RE = /^(?:[a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** BigQuery dataset ids: letters, digits and underscores, at most 1024. */
export const BQ_DATASET_RE = /^[A-Za-z0-9_]{1,1024}$/;
// Bucket names: 3–63 chars (per dot-separated part), lowercase, digits, '-', '_', '.'; alnum at both ends.
const BUCKET_RE = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
// Topic and subscription ids: 3–255 chars, start with a letter, no `goog` prefix.
const PUBSUB_ID_RE = /^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

function fail(flag: string, value: string, why: string, expected: string): never {
  throw new UsageError(`${flag}: ${why} in ${JSON.stringify(value)}; expected ${expected}`);
}

function localPath(raw: string, cwd: string | undefined): string {
  return isAbsolute(raw) ? raw : resolve(cwd ?? process.cwd(), raw);
}

/** `file://DIR` → DIR; `file:///abs` → /abs; `file://rel/dir` → rel/dir (relative to cwd). */
function stripFileScheme(value: string): string {
  return value.slice('file://'.length);
}

/** After `duckdb:` or `parquet:`: PATH, ///abs/path or file:///abs/path. */
function localRest(rest: string): string {
  return (rest.startsWith('file://') ? stripFileScheme(rest) : rest).replace(/^\/\/(?=\/)/, '');
}

function checkProject(flag: string, value: string, project: string, expected: string): void {
  if (!PROJECT_RE.test(project)) fail(flag, value, `invalid project id ${JSON.stringify(project)}`, expected);
}

const WAREHOUSE_EXPECTED = 'bigquery://PROJECT/DATASET, duckdb:FILE or parquet:DIR';

export function parseWarehouseUri(value: string, opts: ParseOptions = {}): WarehouseTarget {
  const flag = opts.flag ?? '--warehouse';
  const v = value.trim();
  if (v === '') fail(flag, value, 'empty URI', WAREHOUSE_EXPECTED);
  if (v.startsWith('bigquery://')) {
    const parts = v.slice('bigquery://'.length).split('/');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      fail(flag, value, 'a BigQuery URI needs exactly a project and a dataset', 'bigquery://PROJECT/DATASET');
    }
    const [project, dataset] = parts as [string, string];
    checkProject(flag, value, project, 'bigquery://PROJECT/DATASET');
    if (!BQ_DATASET_RE.test(dataset)) {
      fail(flag, value, `invalid dataset id ${JSON.stringify(dataset)} (letters, digits, underscores)`, 'bigquery://PROJECT/DATASET');
    }
    return { kind: 'bigquery', uri: `bigquery://${project}/${dataset}`, project, dataset };
  }
  if (v.startsWith('duckdb:')) {
    const raw = localRest(v.slice('duckdb:'.length));
    if (raw === '') fail(flag, value, 'missing file path', 'duckdb:FILE');
    const path = localPath(raw, opts.cwd);
    return { kind: 'duckdb', uri: `duckdb:${path}`, path };
  }
  if (v.startsWith('parquet:')) {
    const raw = localRest(v.slice('parquet:'.length));
    if (raw === '') fail(flag, value, 'missing directory', 'parquet:DIR');
    const dir = localPath(raw, opts.cwd);
    return { kind: 'parquet', uri: `parquet:${dir}`, dir };
  }
  fail(flag, value, 'unsupported warehouse URI', WAREHOUSE_EXPECTED);
}

const STORE_EXPECTED = 'gs://BUCKET/PREFIX or file://DIR';

export function parseStoreUri(value: string, opts: ParseOptions = {}): StoreTarget {
  const flag = opts.flag ?? '--store';
  const v = value.trim();
  if (v === '') fail(flag, value, 'empty URI', STORE_EXPECTED);
  if (v.startsWith('gs://')) {
    const rest = v.slice('gs://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/\/+$/, '');
    const tooLong = bucket.includes('.') ? bucket.split('.').some((p) => p.length === 0 || p.length > 63) : bucket.length > 63;
    if (!BUCKET_RE.test(bucket) || tooLong) {
      fail(flag, value, `invalid bucket name ${JSON.stringify(bucket)}`, 'gs://BUCKET/PREFIX');
    }
    if (bucket.startsWith('goog')) fail(flag, value, 'bucket names may not start with "goog"', 'gs://BUCKET/PREFIX');
    if (prefix !== '' && prefix.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) {
      fail(flag, value, `invalid prefix ${JSON.stringify(prefix)} (empty, "." or ".." segments)`, 'gs://BUCKET/PREFIX');
    }
    return { kind: 'gcs', uri: prefix ? `gs://${bucket}/${prefix}` : `gs://${bucket}`, bucket, prefix };
  }
  if (v.startsWith('file://')) {
    const raw = stripFileScheme(v);
    if (raw === '') fail(flag, value, 'missing directory', 'file://DIR');
    const dir = localPath(raw, opts.cwd);
    return { kind: 'file', uri: `file://${dir}`, dir };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(v) && !/^[A-Za-z]:[\\/]/.test(v)) {
    fail(flag, value, 'unsupported store URI', STORE_EXPECTED);
  }
  // A bare path is a local directory (the default store is `./.promoscore/store`).
  const dir = localPath(v, opts.cwd);
  return { kind: 'file', uri: `file://${dir}`, dir };
}

function parsePubsub(
  flag: string,
  value: string,
  collection: 'topics' | 'subscriptions',
): { project: string; id: string; name: string } {
  const expected = `pubsub://projects/PROJECT/${collection}/${collection === 'topics' ? 'TOPIC' : 'SUBSCRIPTION'}`;
  const parts = value.slice('pubsub://'.length).split('/');
  if (parts.length !== 4 || parts[0] !== 'projects' || parts[2] !== collection || !parts[1] || !parts[3]) {
    fail(flag, value, `not a Pub/Sub ${collection === 'topics' ? 'topic' : 'subscription'} path`, expected);
  }
  const project = parts[1]!;
  const id = parts[3]!;
  checkProject(flag, value, project, expected);
  if (!PUBSUB_ID_RE.test(id) || id.toLowerCase().startsWith('goog')) {
    fail(flag, value, `invalid ${collection === 'topics' ? 'topic' : 'subscription'} id ${JSON.stringify(id)}`, expected);
  }
  return { project, id, name: `projects/${project}/${collection}/${id}` };
}

function parseOutbox(flag: string, value: string, cwd: string | undefined, expected: string): OutboxTarget {
  const raw = value.startsWith('file://') ? stripFileScheme(value) : value;
  if (!raw.endsWith('.ndjson') || raw === '.ndjson') {
    fail(flag, value, 'a local outbox must be a .ndjson file', expected);
  }
  const path = localPath(raw, cwd);
  return { kind: 'file', uri: `file://${path}`, path };
}

type OutboxTarget = { kind: 'file'; uri: string; path: string };

/** A Pub/Sub topic or subscription path, or the local outbox file: the two sides of the notify port. */
function parsePubsubOrOutbox<T>(
  value: string,
  opts: ParseOptions,
  flag: string,
  collection: 'topics' | 'subscriptions',
  expected: string,
  pubsub: (parsed: { project: string; id: string; name: string }) => T,
): T | OutboxTarget {
  const v = value.trim();
  if (v === '') fail(flag, value, 'empty URI', expected);
  if (v.startsWith('pubsub://')) return pubsub(parsePubsub(flag, v, collection));
  if (v.startsWith('file://') || !/^[a-z][a-z0-9+.-]*:/i.test(v)) return parseOutbox(flag, v, opts.cwd, expected);
  fail(flag, value, `unsupported ${collection === 'topics' ? 'notifier' : 'subscription'} URI`, expected);
}

export function parseNotifyUri(value: string, opts: ParseOptions = {}): NotifyTarget {
  const expected = 'pubsub://projects/PROJECT/topics/TOPIC or file://PATH.ndjson';
  return parsePubsubOrOutbox(value, opts, opts.flag ?? '--notify', 'topics', expected, (p) => ({ kind: 'pubsub-topic' as const, uri: `pubsub://${p.name}`, project: p.project, topic: p.id, name: p.name }));
}

/** Where a serving layer listens: a Pub/Sub subscription, or the local outbox file. */
export function parseSubscriptionUri(value: string, opts: ParseOptions = {}): SubscriptionTarget {
  const expected = 'pubsub://projects/PROJECT/subscriptions/SUBSCRIPTION or file://PATH.ndjson';
  return parsePubsubOrOutbox(value, opts, opts.flag ?? '--subscription', 'subscriptions', expected, (p) => ({ kind: 'pubsub-subscription' as const, uri: `pubsub://${p.name}`, project: p.project, subscription: p.id, name: p.name }));
}
