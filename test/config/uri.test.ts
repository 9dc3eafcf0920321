import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { UsageError } from '../../src/core/errors.ts';
import { parseNotifyUri, parseStoreUri, parseSubscriptionUri, parseWarehouseUri } from '../../src/config/uri.ts';

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('warehouse URIs', () => {
  it('parses bigquery://PROJECT/DATASET', () => {
    expect(parseWarehouseUri('bigquery://my-project-1/features')).toEqual({
      kind: 'bigquery',
      uri: 'bigquery://my-project-1/features',
      project: 'my-project-1',
      dataset: 'features',
    });
    expect(parseWarehouseUri('bigquery://example.com:scores-prod/f_2')).toMatchObject({ project: 'example.com:scores-prod' });
  });

  it('parses duckdb:FILE and parquet:DIR relative to cwd or absolute', () => {
    expect(parseWarehouseUri('duckdb:data/w.duckdb', { cwd: '/srv' })).toEqual({
      kind: 'duckdb',
      uri: 'duckdb:/srv/data/w.duckdb',
      path: '/srv/data/w.duckdb',
    });
    expect(parseWarehouseUri('duckdb:/abs/w.duckdb')).toMatchObject({ path: '/abs/w.duckdb' });
    // the spellings the warehouse opener has always accepted
    expect(parseWarehouseUri('duckdb:///abs/w.duckdb')).toMatchObject({ path: '/abs/w.duckdb' });
    expect(parseWarehouseUri('duckdb:file:///abs/w.duckdb')).toMatchObject({ path: '/abs/w.duckdb' });
    expect(parseWarehouseUri('parquet:file:///abs/export')).toMatchObject({ kind: 'parquet', dir: '/abs/export' });
    expect(parseWarehouseUri('parquet:export')).toMatchObject({ kind: 'parquet', dir: resolve('export') });
  });

  it('names the flag and the expected forms on bad input', () => {
    expect(usageMessage(() => parseWarehouseUri('mysql://x/y'))).toMatch(/^--warehouse: unsupported warehouse URI in "mysql:\/\/x\/y"; expected bigquery:\/\/PROJECT\/DATASET, duckdb:FILE or parquet:DIR/);
    expect(usageMessage(() => parseWarehouseUri('bigquery://proj-only', { flag: '--from' }))).toMatch(/^--from: a BigQuery URI needs exactly a project and a dataset/);
    expect(usageMessage(() => parseWarehouseUri('bigquery://Bad_Project/ds'))).toMatch(/invalid project id "Bad_Project"/);
    expect(usageMessage(() => parseWarehouseUri('bigquery://good-project/bad-dataset'))).toMatch(/invalid dataset id "bad-dataset"/);
    expect(usageMessage(() => parseWarehouseUri('duckdb:'))).toMatch(/missing file path/);
    expect(usageMessage(() => parseWarehouseUri('  '))).toMatch(/empty URI/);
  });
});

describe('store URIs', () => {
  it('parses gs://BUCKET/PREFIX with or without a prefix', () => {
    expect(parseStoreUri('gs://promo-snapshots/prod/v1/')).toEqual({
      kind: 'gcs',
      uri: 'gs://promo-snapshots/prod/v1',
      bucket: 'promo-snapshots',
      prefix: 'prod/v1',
    });
    expect(parseStoreUri('gs://promo.snapshots.example.com')).toMatchObject({ bucket: 'promo.snapshots.example.com', prefix: '' });
  });

  it('parses file://DIR and bare directories', () => {
    expect(parseStoreUri('file:///var/lib/store')).toEqual({ kind: 'file', uri: 'file:///var/lib/store', dir: '/var/lib/store' });
    expect(parseStoreUri('file://.promoscore/store', { cwd: '/w' })).toMatchObject({ dir: '/w/.promoscore/store' });
    expect(parseStoreUri('./out', { cwd: '/w' })).toMatchObject({ kind: 'file', dir: '/w/out' });
  });

  it('rejects bad buckets, prefixes and schemes, naming the flag', () => {
    expect(usageMessage(() => parseStoreUri('gs://Upper'))).toMatch(/^--store: invalid bucket name "Upper"/);
    expect(usageMessage(() => parseStoreUri('gs://' + 'a'.repeat(64)))).toMatch(/invalid bucket name/);
    expect(usageMessage(() => parseStoreUri('gs://googbucket/x'))).toMatch(/may not start with "goog"/);
    expect(usageMessage(() => parseStoreUri('gs://bucket/a//b'))).toMatch(/invalid prefix/);
    expect(usageMessage(() => parseStoreUri('gs://bucket/../x'))).toMatch(/invalid prefix/);
    expect(usageMessage(() => parseStoreUri('s3://bucket/x', { flag: '--to' }))).toMatch(/^--to: unsupported store URI in "s3:\/\/bucket\/x"; expected gs:\/\/BUCKET\/PREFIX or file:\/\/DIR/);
  });
});

describe('notifier and subscription URIs', () => {
  it('parses Pub/Sub topics and local outboxes', () => {
    expect(parseNotifyUri('pubsub://projects/my-project/topics/promo-snapshots')).toEqual({
      kind: 'pubsub-topic',
      uri: 'pubsub://projects/my-project/topics/promo-snapshots',
      project: 'my-project',
      topic: 'promo-snapshots',
      name: 'projects/my-project/topics/promo-snapshots',
    });
    expect(parseNotifyUri('file://out/outbox.ndjson', { cwd: '/w' })).toEqual({ kind: 'file', uri: 'file:///w/out/outbox.ndjson', path: '/w/out/outbox.ndjson' });
    expect(parseNotifyUri('events.ndjson', { cwd: '/w' }).kind).toBe('file');
  });

  it('parses subscriptions, and does not confuse them with topics', () => {
    expect(parseSubscriptionUri('pubsub://projects/my-project/subscriptions/serving')).toMatchObject({
      kind: 'pubsub-subscription',
      subscription: 'serving',
      name: 'projects/my-project/subscriptions/serving',
    });
    expect(usageMessage(() => parseSubscriptionUri('pubsub://projects/my-project/topics/t1t'))).toMatch(/^--subscription: not a Pub\/Sub subscription path/);
    expect(usageMessage(() => parseNotifyUri('pubsub://projects/my-project/subscriptions/s1s'))).toMatch(/^--notify: not a Pub\/Sub topic path/);
  });

  it('rejects bad ids, non-ndjson outboxes and unknown schemes', () => {
    expect(usageMessage(() => parseNotifyUri('pubsub://projects/my-project/topics/goog-x'))).toMatch(/invalid topic id "goog-x"/);
    expect(usageMessage(() => parseNotifyUri('pubsub://projects/my-project/topics/1abc'))).toMatch(/invalid topic id/);
    expect(usageMessage(() => parseNotifyUri('pubsub://projects/x/topics/abc'))).toMatch(/invalid project id "x"/);
    expect(usageMessage(() => parseNotifyUri('file://out/outbox.json'))).toMatch(/a local outbox must be a \.ndjson file/);
    expect(usageMessage(() => parseNotifyUri('kafka://broker/topic'))).toMatch(/^--notify: unsupported notifier URI/);
  });
});
