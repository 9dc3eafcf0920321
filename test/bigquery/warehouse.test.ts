import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, exitCodeOf, InfraError, InputDataError, UsageError } from '../../src/core/errors.ts';
import { defaultJob } from '../../src/config/job.ts';
import { BigQueryWarehouse } from '../../src/warehouse/bigquery/warehouse.ts';
import { openWarehouse } from '../../src/warehouse/open.ts';
import type { QueryRequest } from '../../src/warehouse/port.ts';
import type { BigQueryDouble } from '../doubles/bigquery/index.ts';
import { bigQueryTarget, DATASET, doubleWithPlays, PROJECT, SCRATCH, warehouseOn } from './helpers.ts';

const N = 5000;
// The rows of features.plays the test query selects, computed here independently of any SQL engine.
function expectedIds(market: string, fromDay: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < N; i++) {
    const m = i % 3 === 0 ? 'SE' : i % 3 === 1 ? 'DE' : 'BR';
    if (m === market && i % 30 >= fromDay) ids.push(i);
  }
  return ids;
}

const playsQuery = (market = 'SE', from = '2026-01-10'): QueryRequest => ({
  name: 'plays',
  sql: `SELECT id, track_id, score, day, maybe, even FROM \`${PROJECT}.${DATASET}.plays\`
        WHERE market = @market AND day >= @from_day AND id >= @min_id ORDER BY id`,
  params: { market: { type: 'STRING', value: market }, from_day: { type: 'DATE', value: from }, min_id: { type: 'INT64', value: 0 } },
  labels: { as_of: '2026-01-31', run_id: 'Run 2026-01-31T02:00Z' },
});

let d: BigQueryDouble;
const open: BigQueryWarehouse[] = [];
const wh = (extra: Parameters<typeof warehouseOn>[1] = {}) => {
  const w = warehouseOn(d, extra);
  open.push(w);
  return w;
};

beforeAll(async () => {
  d = await doubleWithPlays(N);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
  d.read.faults.dropReadRows = [];
  d.read.faults.readRowsUnavailable = 0;
  d.read.faults.ignoreOffset = 0;
  d.read.faults.endEarly = [];
  d.rest.faults.insertUnavailable = 0;
  d.read.batchRows = 4096;
});
afterAll(async () => {
  await d?.close();
});

describe('BigQueryWarehouse.query through the REST and Storage Read doubles', () => {
  it('runs a parameterized query into the scratch dataset and reads it back as typed Arrow', async () => {
    const r = await wh({ maxStreams: 1 }).query(playsQuery());
    const ids = Array.from(r.table.getChild('id')!.toArray() as BigInt64Array, Number);
    expect(ids).toEqual(expectedIds('SE', 9));
    const types = Object.fromEntries(r.table.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).toEqual({ id: 'Int64', track_id: 'Utf8', score: 'Float64', day: 'Date32<DAY>', maybe: 'Int64', even: 'Bool' });
    const row = r.table.get(0)!.toJSON();
    expect(row).toMatchObject({ id: 9n, track_id: 'track_009', score: 4.5, day: Date.UTC(2026, 0, 10), maybe: 2n, even: false });
    expect(r.table.getChild('maybe')!.nullCount).toBe(ids.filter((i) => i % 10 === 0).length);
    expect(r.jobId).toMatch(new RegExp(`^${PROJECT}:US\\.promoscore_plays_`));
    expect(r.bytesProcessed).toBe(d.engine.getTable({ projectId: PROJECT, datasetId: DATASET, tableId: 'plays' }).numBytes);
    const insert = d.rest.insertedJobs().at(-1)!;
    expect(insert.configuration.query.destinationTable).toMatchObject({ projectId: PROJECT, datasetId: SCRATCH });
    expect(insert.configuration.query.parameterMode.toUpperCase()).toBe('NAMED');
    expect(insert.configuration.query.queryParameters).toEqual(
      expect.arrayContaining([
        { name: 'from_day', parameterType: { type: 'DATE' }, parameterValue: { value: '2026-01-10' } },
        // the client puts INT64 values on the wire as JSON numbers
        { name: 'min_id', parameterType: { type: 'INT64' }, parameterValue: { value: 0 } },
      ]),
    );
  });

  it('sends job labels in BigQuery label rules, maximumBytesBilled as a string, and the location', async () => {
    await wh({ location: 'US', maximumBytesBilled: 123_456_789 }).query(playsQuery());
    const insert = d.rest.insertedJobs().at(-1)!;
    expect(insert.configuration.labels).toEqual({
      job: 'nightly',
      run_id: 'run_2026-01-31t02_00z',
      as_of: '2026-01-31',
      query: 'plays',
      app: 'promoscore',
    });
    expect(insert.configuration.query.maximumBytesBilled).toBe('123456789');
    expect(insert.jobReference.location).toBe('US');
    // no credentials reach a local endpoint
    expect(d.rest.requests.every((r) => r.authorization === undefined)).toBe(true);
  });

  it('reads several streams in parallel and concatenates them in stream order', async () => {
    d.read.batchRows = 100;
    const before = d.read.readRowsCalls.length;
    const r = await wh({ maxStreams: 4 }).query(playsQuery('DE', '2026-01-01'));
    const calls = d.read.readRowsCalls.slice(before);
    expect(new Set(calls.map((c) => c.stream)).size).toBe(4);
    expect(d.read.createSessionRequests.at(-1)).toMatchObject({ maxStreamCount: 4, readSession: { dataFormat: 'ARROW' } });
    expect(Array.from(r.table.getChild('id')!.toArray() as BigInt64Array, Number)).toEqual(expectedIds('DE', 0));
    expect(r.table.batches.length).toBeGreaterThan(4);
  });

  it('resumes a stream dropped in the middle from its offset: no row lost or duplicated', async () => {
    d.read.batchRows = 50;
    d.read.faults.dropReadRows = [{ afterRows: 120 }, { afterRows: 60 }];
    const before = d.read.readRowsCalls.length;
    const r = await wh({ maxStreams: 2 }).query(playsQuery('BR', '2026-01-05'));
    const ids = Array.from(r.table.getChild('id')!.toArray() as BigInt64Array, Number);
    expect(ids).toEqual(expectedIds('BR', 4));
    const resumed = d.read.readRowsCalls.slice(before).filter((c) => c.offset > 0);
    expect(resumed.length).toBe(2);
    expect(resumed.every((c) => c.offset % 50 === 0)).toBe(true);
    expect(d.read.faults.dropReadRows).toHaveLength(0);
  });

  it('resumes a stream that failed after its last batch without replaying it', async () => {
    d.read.faults.dropReadRows = [{ afterRows: 1e9 }];
    const before = d.read.readRowsCalls.length;
    const r = await wh({ maxStreams: 1 }).query(playsQuery());
    expect(Array.from(r.table.getChild('id')!.toArray() as BigInt64Array, Number)).toEqual(expectedIds('SE', 9));
    const calls = d.read.readRowsCalls.slice(before);
    expect(calls.map((c) => c.offset)).toEqual([0, expectedIds('SE', 9).length]);
  });

  it('resumes after an HTTP/2 stream reset, but not after other internal errors', async () => {
    d.read.batchRows = 100;
    d.read.faults.dropReadRows = [{ afterRows: 200, code: 13, details: 'Received RST_STREAM with code 2 (Internal server error)' }];
    const r = await wh({ maxStreams: 1 }).query(playsQuery());
    expect(Array.from(r.table.getChild('id')!.toArray() as BigInt64Array, Number)).toEqual(expectedIds('SE', 9));
    expect(d.read.readRowsCalls.at(-1)!.offset).toBe(200);
    const callsBefore = d.read.readRowsCalls.length;
    d.read.faults.dropReadRows = [{ afterRows: 100, code: 13, details: 'assertion failed' }];
    const err = await wh({ maxStreams: 1 }).query(playsQuery()).catch((e) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect(d.read.readRowsCalls.length - callsBefore).toBe(1);
  });

  it('refuses a read whose resume replayed rows: the total must equal the table’s row count (exit 5)', async () => {
    d.read.batchRows = 50;
    d.read.faults.dropReadRows = [{ afterRows: 100 }];
    d.read.faults.ignoreOffset = 1;
    const err = await wh({ maxStreams: 1 }).query(playsQuery()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect(exitCodeOf(err)).toBe(ExitCode.infra);
    const n = expectedIds('SE', 9).length;
    expect((err as Error).message).toContain(`read ${n + 100} rows`);
    expect((err as Error).message).toContain(`the table holds ${n}`);
    expect((err as Error).message).toContain(`${PROJECT}.${SCRATCH}.`);
  });

  it('refuses a read whose stream ended early without an error (exit 5)', async () => {
    d.read.batchRows = 50;
    d.read.faults.endEarly = [{ afterRows: 100 }];
    const err = await wh({ maxStreams: 2 }).query(playsQuery()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    const m = /read (\d+) rows .*the table holds (\d+)/.exec((err as Error).message);
    expect(m, (err as Error).message).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(Number(m![2]));
  });

  it('gives up with an infrastructure error when a stream stays unavailable', async () => {
    d.read.faults.readRowsUnavailable = 1000;
    const err = await wh({ readAttempts: 3 }).query(playsQuery()).catch((e) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect(err.message).toMatch(/after 3 attempts/);
  });

  it('retries a 503 on jobs.insert with the same job id', async () => {
    d.rest.faults.insertUnavailable = 1;
    const before = d.rest.insertedJobs().length;
    const r = await wh({ maxRetries: 2 }).query(playsQuery());
    expect(r.table.numRows).toBe(expectedIds('SE', 9).length);
    const inserts = d.rest.insertedJobs().slice(before);
    expect(inserts).toHaveLength(2);
    expect(inserts[0].jobReference.jobId).toBe(inserts[1].jobReference.jobId);
  });

  it('maps a 503 that outlasts the retries to an infrastructure error', async () => {
    d.rest.faults.insertUnavailable = 100;
    const err = await wh({ maxRetries: 0 }).query(playsQuery()).catch((e) => e);
    expect(err).toBeInstanceOf(InfraError);
  });

  it('maps a missing table and a missing column to input errors that name them', async () => {
    const w = wh();
    const t = await w.query({ ...playsQuery(), sql: `SELECT * FROM \`${PROJECT}.${DATASET}.nope\`` }).catch((e) => e);
    expect(t).toBeInstanceOf(InputDataError);
    expect(t.message).toContain(`${PROJECT}.${DATASET}.nope`);
    const c = await w.query({ ...playsQuery(), sql: `SELECT no_such_col FROM \`${PROJECT}.${DATASET}.plays\`` }).catch((e) => e);
    expect(c).toBeInstanceOf(InputDataError);
    expect(c.message).toContain('no_such_col');
  });

  it('fails as a usage error when the query would bill more than maximumBytesBilled', async () => {
    const err = await wh({ maximumBytesBilled: 1000 }).query(playsQuery()).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/maximumBytesBilled/);
  });

  it('names a missing scratch dataset as a configuration problem', async () => {
    const err = await wh({ scratchDataset: 'no_scratch' }).query(playsQuery()).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain(`${PROJECT}.no_scratch`);
  });

  it('reads the anonymous result table when no scratch dataset is set, and an empty result keeps its schema', async () => {
    const r = await wh({ scratchDataset: undefined }).query(playsQuery('XX'));
    expect(r.table.numRows).toBe(0);
    expect(r.table.schema.fields.map((f) => f.name)).toEqual(['id', 'track_id', 'score', 'day', 'maybe', 'even']);
    expect(d.rest.insertedJobs().at(-1)!.configuration.query.destinationTable).toBeUndefined();
  });

  it('refuses a bad URI or option as a usage error', async () => {
    await expect(openWarehouse('bigquery://only-project')).rejects.toThrow(UsageError);
    expect(() => new BigQueryWarehouse(bigQueryTarget(PROJECT, DATASET), { maximumBytesBilled: -5 })).toThrow(UsageError);
  });
});

describe('BigQueryWarehouse location', () => {
  const euQuery = (): QueryRequest => ({ ...playsQuery(), sql: `SELECT id, market FROM \`${PROJECT}.features_eu.plays\` WHERE market = @market AND id >= @min_id AND day >= @from_day` });
  beforeAll(async () => {
    d.engine.createDataset(PROJECT, 'features_eu', 'EU');
    d.engine.createDataset(PROJECT, 'scratch_eu', 'EU');
    await d.loadTable('features_eu', 'plays', `SELECT * FROM "${PROJECT}.${DATASET}.plays"`);
  });

  it('runs where the dataset is when the job config sets no location (BigQuery decides)', async () => {
    const location = defaultJob().bigquery.location;
    expect(location).toBeUndefined();
    const r = await wh({ location, scratchDataset: 'scratch_eu' }).query(euQuery());
    expect(r.table.numRows).toBe(expectedIds('SE', 9).length);
    expect(r.jobId).toMatch(new RegExp(`^${PROJECT}:EU\\.`));
    expect(d.rest.insertedJobs().at(-1)!.jobReference.location).toBeUndefined();
    const dry = await wh({ location, scratchDataset: 'scratch_eu' }).dryRun(euQuery());
    expect(dry.bytesProcessed).toBeGreaterThan(0);
  });

  it('a location that is not the dataset’s exits 2 naming both locations and the dataset', async () => {
    const err = await wh({ location: 'US', scratchDataset: undefined }).query(euQuery()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(exitCodeOf(err)).toBe(ExitCode.usage);
    expect((err as Error).message).toContain(`${PROJECT}.features_eu is in location EU`);
    expect((err as Error).message).toContain('location US');
    const dry = await wh({ location: 'US' }).dryRun(euQuery()).catch((e: unknown) => e);
    expect(exitCodeOf(dry)).toBe(ExitCode.usage);
    expect((dry as Error).message).toContain('location EU');
  });

  it('a dataset missing everywhere stays an input error (exit 3)', async () => {
    const err = await wh({ location: 'US' }).query({ ...playsQuery(), sql: `SELECT 1 FROM \`${PROJECT}.nowhere.t\`` }).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(ExitCode.input);
    expect((err as Error).message).toContain(`${PROJECT}.nowhere`);
  });
});

describe('BigQueryWarehouse.dryRun', () => {
  it('keeps the query cache off, so a cached result cannot make the estimate 0 bytes', async () => {
    const q = playsQuery('DE', '2026-01-03');
    // the same query once into an anonymous (cached) result table
    await wh({ scratchDataset: undefined }).query(q);
    const r = await wh().dryRun(q);
    expect(d.rest.insertedJobs().at(-1)!.configuration.query.useQueryCache).toBe(false);
    expect(r.bytesProcessed).toBe(d.engine.getTable({ projectId: PROJECT, datasetId: DATASET, tableId: 'plays' }).numBytes);
  });

  it('reports the dry-run job bytes without running the query or reading rows', async () => {
    const jobsBefore = d.rest.jobs.size;
    const readsBefore = d.read.readRowsCalls.length;
    const r = await wh().dryRun(playsQuery());
    expect(r).toEqual({ name: 'plays', bytesProcessed: d.engine.getTable({ projectId: PROJECT, datasetId: DATASET, tableId: 'plays' }).numBytes });
    expect(r.bytesProcessed).toBeGreaterThan(0);
    expect(d.rest.jobs.size).toBe(jobsBefore);
    expect(d.read.readRowsCalls.length).toBe(readsBefore);
    expect(d.rest.insertedJobs().at(-1)!.configuration.dryRun).toBe(true);
  });
  it('fails a dry run on a missing table as an input error', async () => {
    const err = await wh().dryRun({ ...playsQuery(), sql: `SELECT 1 FROM \`${PROJECT}.${DATASET}.missing\`` }).catch((e) => e);
    expect(err).toBeInstanceOf(InputDataError);
    expect(err.message).toContain('missing');
  });
});
