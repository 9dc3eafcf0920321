/**
 * What a failed BigQuery call or job exits with: one test per documented error reason, injected as a
 * job's errorResult through the REST double (the way a job that failed while running reports it),
 * plus the same reasons answered by jobs.insert itself. docs/bigquery.md shows the same table.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, exitCodeOf } from '../../src/core/errors.ts';
import { REASON_EXIT } from '../../src/warehouse/bigquery/errors.ts';
import type { BigQueryWarehouse } from '../../src/warehouse/bigquery/warehouse.ts';
import type { QueryRequest } from '../../src/warehouse/port.ts';
import type { BigQueryDouble } from '../doubles/bigquery/index.ts';
import { DATASET, doubleWithPlays, PROJECT, warehouseOn } from './helpers.ts';

const query: QueryRequest = {
  name: 'plays',
  sql: `SELECT id FROM \`${PROJECT}.${DATASET}.plays\` WHERE id < @n`,
  params: { n: { type: 'INT64', value: 10 } },
  labels: {},
};

let d: BigQueryDouble;
const open: BigQueryWarehouse[] = [];
const wh = (extra: Parameters<typeof warehouseOn>[1] = {}) => {
  const w = warehouseOn(d, { maxRetries: 0, ...extra });
  open.push(w);
  return w;
};

beforeAll(async () => {
  d = await doubleWithPlays(50);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
  d.rest.faults.jobErrors = [];
  d.rest.faults.insertErrors = [];
});
afterAll(async () => {
  await d?.close();
});

/** a message BigQuery could send with the reason; notFound names a table, as BigQuery does */
const messageFor = (reason: string) =>
  reason === 'notFound' ? `Not found: Table ${PROJECT}:${DATASET}.gone was not found in location US` : `BigQuery says ${reason}`;

describe('a job that ends with an errorResult exits by its reason', () => {
  it.each(Object.entries(REASON_EXIT))('%s -> exit %i', async (reason, exit) => {
    d.rest.faults.jobErrors = [{ reason, message: messageFor(reason) }];
    const err = await wh().query(query).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(exitCodeOf(err), (err as Error).message).toBe(exit);
    expect((err as Error).message).toContain('query plays');
    expect((err as Error).message).toContain(reason === 'notFound' ? `${PROJECT}.${DATASET}.gone` : reason);
    expect(d.rest.faults.jobErrors).toHaveLength(0);
  });

  it('an undocumented reason is treated as transient (exit 5), not as a usage error', async () => {
    d.rest.faults.jobErrors = [{ reason: 'somethingNew', message: 'a reason BigQuery added later' }];
    const err = await wh().query(query).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(ExitCode.infra);
  });
});

describe('jobs.insert answering with an error status exits by the reason, then the status', () => {
  it.each([
    [403, 'rateLimitExceeded', ExitCode.infra],
    [403, 'quotaExceeded', ExitCode.infra],
    [400, 'jobRateLimitExceeded', ExitCode.infra],
    [400, 'invalidQuery', ExitCode.usage],
    [403, 'accessDenied', ExitCode.usage],
    [403, 'billingNotEnabled', ExitCode.usage],
    [400, 'someUndocumentedReason', ExitCode.usage],
    [502, 'someUndocumentedReason', ExitCode.infra],
  ])('HTTP %i %s -> exit %i', async (status, reason, exit) => {
    d.rest.faults.insertErrors = [{ status, reason }];
    const err = await wh().query(query).catch((e: unknown) => e);
    expect(exitCodeOf(err), (err as Error).message).toBe(exit);
  });
});

describe('docs/bigquery.md', () => {
  it('shows the reason table the code uses, row for row', () => {
    const doc = readFileSync(new URL('../../docs/bigquery.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Za-z]+)` \| [^|]* \| (\d) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(Object.fromEntries(rows)).toEqual(REASON_EXIT);
    expect(rows.map((r) => r[0])).toEqual(Object.keys(REASON_EXIT));
  });
});
