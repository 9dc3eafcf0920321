import { describe, expect, it } from 'vitest';
import { BigQuery } from '@google-cloud/bigquery';
import { InfraError, InputDataError, UsageError } from '../../src/core/errors.ts';
import { estimateCost, formatBytes } from '../../src/warehouse/bigquery/cost.ts';
import { isRetryableGrpc, mapBigQueryError } from '../../src/warehouse/bigquery/errors.ts';
import { expandForBigQuery } from '../../src/warehouse/bigquery/expand.ts';
import { sanitizeLabels } from '../../src/warehouse/bigquery/labels.ts';
import { toClientParams } from '../../src/warehouse/bigquery/params.ts';
import { parseWarehouseUri } from '../../src/config/uri.ts';

describe('bigquery:// URIs (parsed once, by config/uri.ts)', () => {
  it('splits project and dataset', () => {
    expect(parseWarehouseUri('bigquery://my-project-1/promo_features')).toEqual({
      kind: 'bigquery',
      uri: 'bigquery://my-project-1/promo_features',
      project: 'my-project-1',
      dataset: 'promo_features',
    });
  });
  it.each(['bigquery://p', 'bigquery://my-project/', 'bq://my-project/ds', 'bigquery://My_Project/ds', 'bigquery://my-project/bad-dataset', 'bigquery://my-project/ds/extra'])(
    'refuses %s as a usage error naming it',
    (uri) => {
      expect(() => parseWarehouseUri(uri)).toThrow(UsageError);
      expect(() => parseWarehouseUri(uri)).toThrow(uri);
    },
  );
});

describe('sanitizeLabels', () => {
  it('lowercases, replaces forbidden characters, prefixes keys not starting with a letter, caps lengths', () => {
    const out = sanitizeLabels({ Job: 'Nightly Run', run_id: '2026-01-31T02:00:00Z/abc', '9lives': 'x', long: 'v'.repeat(100) });
    expect(out).toEqual({ job: 'nightly_run', run_id: '2026-01-31t02_00_00z_abc', k_9lives: 'x', long: 'v'.repeat(63) });
    for (const [k, v] of Object.entries(out)) {
      expect(k).toMatch(/^[a-z][a-z0-9_-]{0,62}$/);
      expect(v).toMatch(/^[a-z0-9_-]{0,63}$/);
    }
  });
  it('keeps at most 64 labels and the first of colliding keys', () => {
    const many = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`k${i}`, `v${i}`]));
    expect(Object.keys(sanitizeLabels(many))).toHaveLength(64);
    expect(sanitizeLabels({ 'A.B': '1', a_b: '2' })).toEqual({ a_b: '1' });
  });
});

describe('toClientParams', () => {
  it('types every parameter explicitly and wraps dates for the client', () => {
    const { params, types } = toClientParams({
      as_of: { type: 'DATE', value: '2026-01-31' },
      window_days: { type: 'INT64', value: 28 },
      w: { type: 'FLOAT64', value: 0.5 },
      s: { type: 'STRING', value: 'SE' },
      markets: { type: 'ARRAY<STRING>', value: ['SE', 'DE'] },
    });
    expect(types).toEqual({ as_of: 'DATE', window_days: 'INT64', w: 'FLOAT64', s: 'STRING', markets: ['STRING'] });
    // what the client will put on the wire
    const wire = BigQuery.valueToQueryParameter_(params.as_of, types.as_of as string);
    expect(wire.parameterValue).toEqual({ value: '2026-01-31' });
    const arr = BigQuery.valueToQueryParameter_(params.markets, types.markets as string[]);
    expect(arr).toMatchObject({ parameterType: { type: 'ARRAY', arrayType: { type: 'STRING' } }, parameterValue: { arrayValues: [{ value: 'SE' }, { value: 'DE' }] } });
  });
  it('refuses malformed values naming the parameter', () => {
    expect(() => toClientParams({ as_of: { type: 'DATE', value: '31/01/2026' } })).toThrow(/@as_of/);
    expect(() => toClientParams({ n: { type: 'INT64', value: 1.5 } })).toThrow(/@n/);
    expect(() => toClientParams({ 'bad-name': { type: 'STRING', value: 'x' } })).toThrow(UsageError);
  });
});

describe('expandForBigQuery', () => {
  it('expands {{table}} placeholders to backquoted full names', () => {
    const sql = expandForBigQuery('SELECT a FROM {{tracks}} t JOIN {{ licensors }} l USING (licensor_id)', { projectId: 'p-123456', datasetId: 'ds' });
    expect(sql).toBe('SELECT a FROM `p-123456.ds.tracks` t JOIN `p-123456.ds.licensors` l USING (licensor_id)');
  });
});

describe('estimateCost', () => {
  it('prices bytes per TiB with BigQuery rounding and the 10 MiB minimum', () => {
    const tib = 2 ** 40;
    expect(estimateCost(tib).usd).toBeCloseTo(6.25, 10);
    expect(estimateCost(2 * tib, { usdPerTiB: 5 }).usd).toBeCloseTo(10, 10);
    expect(estimateCost(1).bytesBilled).toBe(10 * 2 ** 20);
    expect(estimateCost(1, { tablesReferenced: 3 }).bytesBilled).toBe(30 * 2 ** 20);
    expect(estimateCost(11 * 2 ** 20 + 1).bytesBilled).toBe(12 * 2 ** 20);
    expect(estimateCost(0)).toMatchObject({ bytesBilled: 0, usd: 0 });
    expect(() => estimateCost(-1)).toThrow(RangeError);
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(12)).toBe('12 B');
  });
});

describe('mapBigQueryError', () => {
  const api = (code: number | undefined, reason: string, message: string) => ({ code, message, errors: [{ reason, message }] });
  it('maps missing tables and columns to input errors naming them', () => {
    const t = mapBigQueryError(api(404, 'notFound', 'Not found: Table p:ds.tracks was not found in location US'), 'query candidates');
    expect(t).toBeInstanceOf(InputDataError);
    expect(t.message).toContain('table p.ds.tracks');
    const c = mapBigQueryError(api(400, 'invalidQuery', 'Unrecognized name: skips at [12:5]'), 'query candidates');
    expect(c).toBeInstanceOf(InputDataError);
    expect(c.message).toContain('column skips');
  });
  it('maps quota and limits to usage errors, 5xx and network to infra', () => {
    expect(mapBigQueryError(api(400, 'bytesBilledLimitExceeded', 'Query exceeded limit for bytes billed: 10.'), 'q')).toBeInstanceOf(UsageError);
    expect(mapBigQueryError(api(403, 'accessDenied', 'Access Denied: Project p'), 'q')).toBeInstanceOf(UsageError);
    expect(mapBigQueryError(api(503, 'backendError', 'try again'), 'q')).toBeInstanceOf(InfraError);
    expect(mapBigQueryError(api(403, 'rateLimitExceeded', 'slow down'), 'q')).toBeInstanceOf(InfraError);
    expect(mapBigQueryError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'q')).toBeInstanceOf(InfraError);
    expect(mapBigQueryError({ code: 14, details: 'unavailable' }, 'q')).toBeInstanceOf(InfraError);
    expect(mapBigQueryError({ code: 5, details: 'Not found: Table p:d.t' }, 'q')).toBeInstanceOf(InputDataError);
  });
  it('knows which gRPC failures are worth resuming', () => {
    expect(isRetryableGrpc({ code: 14 })).toBe(true);
    expect(isRetryableGrpc({ code: 13, details: 'Received RST_STREAM with code 2' })).toBe(true);
    expect(isRetryableGrpc({ code: 13, details: 'bug' })).toBe(false);
    expect(isRetryableGrpc({ code: 3 })).toBe(false);
  });
});
