import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigQuery } from '@google-cloud/bigquery';
import { BigQueryReadClient } from '@google-cloud/bigquery-storage';
import * as grpc from '@grpc/grpc-js';
import { InputDataError } from '../../src/core/errors.ts';
import { BigQueryWarehouse } from '../../src/warehouse/bigquery/warehouse.ts';
import { readTableArrow } from '../../src/warehouse/bigquery/storage-read.ts';
import { CONTRACT_TABLES } from '../../src/warehouse/tables.ts';
import type { BigQueryDouble } from '../doubles/bigquery/index.ts';
import { bigQueryTarget, DATASET, doubleWithPlays, PROJECT } from './helpers.ts';

let d: BigQueryDouble;
let reader: BigQueryReadClient;
const noAuth = { getRequestHeaders: async () => new Headers() } as never;

beforeAll(async () => {
  d = await doubleWithPlays(300);
  const [host, port] = d.storageEndpoint.split(':');
  reader = new BigQueryReadClient({ apiEndpoint: host, port: Number(port), sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' });
});
afterAll(async () => {
  await reader?.close();
  await d?.close();
});

const SQL_TYPE: Record<string, string> = { STRING: 'VARCHAR', DATE: 'DATE', FLOAT64: 'DOUBLE', INT64: 'BIGINT', BOOL: 'BOOLEAN' };
async function loadContractTables(dataset: string, skipColumn?: string) {
  for (const t of CONTRACT_TABLES) {
    const cols = t.columns.filter((c) => `${t.name}.${c.name}` !== skipColumn).map((c) => `NULL::${SQL_TYPE[c.type]} AS ${c.name}`);
    await d.loadTable(dataset, t.name, `SELECT ${cols.join(', ')} FROM range(3)`);
  }
}

describe('BigQueryWarehouse.describeInputs', () => {
  it('reports rows and a fingerprint per contract table that changes when a table is rewritten', async () => {
    await loadContractTables('contract_ok');
    const w2 = new BigQueryWarehouse(bigQueryTarget(PROJECT, 'contract_ok'), { apiEndpoint: d.apiEndpoint, storageEndpoint: d.storageEndpoint });
    try {
      const first = await w2.describeInputs();
      expect(first.map((x) => x.table)).toEqual(CONTRACT_TABLES.map((t) => t.name));
      expect(first.every((x) => x.rows === 3 && /^[0-9a-f]{64}$/.test(x.fingerprint))).toBe(true);
      await d.loadTable('contract_ok', 'tracks', `SELECT 't1' AS track_id, 'a1' AS artist_id, 'l1' AS licensor_id, DATE '2025-01-01' AS release_date, false AS explicit`);
      const second = await w2.describeInputs();
      const changed = second.filter((x, i) => x.fingerprint !== first[i].fingerprint).map((x) => x.table);
      expect(changed).toEqual(['tracks']);
      expect(second.find((x) => x.table === 'tracks')!.rows).toBe(1);
    } finally {
      await w2.close();
    }
  });

  it('names a missing table and a missing column', async () => {
    await loadContractTables('contract_bad', 'engagement_daily.skips');
    const bad = new BigQueryWarehouse(bigQueryTarget(PROJECT, 'contract_bad'), { apiEndpoint: d.apiEndpoint, storageEndpoint: d.storageEndpoint });
    const missing = new BigQueryWarehouse(bigQueryTarget(PROJECT, DATASET), { apiEndpoint: d.apiEndpoint, storageEndpoint: d.storageEndpoint });
    try {
      const e1 = await bad.describeInputs().catch((e) => e);
      expect(e1).toBeInstanceOf(InputDataError);
      expect(e1.message).toMatch(/engagement_daily has no column skips/);
      const e2 = await missing.describeInputs().catch((e) => e);
      expect(e2).toBeInstanceOf(InputDataError);
      expect(e2.message).toMatch(/table promo-test\.features\.(campaigns|campaign_targets|tracks|track_restrictions|licensors|engagement_daily|surface_capacity) not found/);
    } finally {
      await bad.close();
      await missing.close();
    }
  });
});

describe('the REST double', () => {
  it('answers BIGQUERY_EMULATOR_HOST-style base URLs (no /bigquery/v2) through the real client', async () => {
    const saved = process.env.BIGQUERY_EMULATOR_HOST;
    process.env.BIGQUERY_EMULATOR_HOST = d.emulatorHost;
    try {
      const bq = new BigQuery({ projectId: PROJECT, authClient: noAuth });
      const [meta] = await bq.dataset(DATASET).table('plays').getMetadata();
      expect(meta.numRows).toBe('300');
      expect(d.rest.requests.at(-1)!.path).toBe(`/projects/${PROJECT}/datasets/${DATASET}/tables/plays`);
    } finally {
      if (saved === undefined) delete process.env.BIGQUERY_EMULATOR_HOST;
      else process.env.BIGQUERY_EMULATOR_HOST = saved;
    }
  });

  it('serves getQueryResults JSON rows page by page, as the client parses them', async () => {
    const bq = new BigQuery({ projectId: PROJECT, apiEndpoint: d.apiEndpoint, authClient: noAuth });
    const [job] = await bq.createQueryJob({ query: `SELECT id, market, day, even FROM \`${DATASET}.plays\` WHERE id < @n ORDER BY id`, params: { n: 250 } });
    d.rest.pageRows = 100;
    const [rows] = await job.getQueryResults();
    d.rest.pageRows = 20_000;
    expect(rows.map((r: { id: number }) => Number(r.id))).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(rows[4]).toMatchObject({ market: 'DE', even: true, day: { value: '2026-01-05' } });
    expect(d.rest.requests.filter((r) => r.path.endsWith(`/queries/${job.id}`)).length).toBe(3);
  });

  it('rejects what BigQuery rejects: malformed bodies, missing query, bad labels, unknown jobs and tables, duplicate job ids', async () => {
    const base = `${d.apiEndpoint}/bigquery/v2/projects/${PROJECT}`;
    const post = (body: string) => fetch(`${base}/jobs`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const notJson = await post('{nope');
    expect(notJson.status).toBe(400);
    const noQuery = await post(JSON.stringify({ jobReference: { projectId: PROJECT, jobId: 'j1' }, configuration: { query: { useLegacySql: false } } }));
    expect(noQuery.status).toBe(400);
    const badLabel = await post(JSON.stringify({ jobReference: { projectId: PROJECT, jobId: 'j2' }, configuration: { labels: { Job: 'X' }, query: { query: 'SELECT 1', useLegacySql: false } } }));
    expect(badLabel.status).toBe(400);
    expect(((await badLabel.json()) as { error: { errors: { reason: string }[] } }).error.errors[0].reason).toBe('invalid');
    const ok = JSON.stringify({ jobReference: { projectId: PROJECT, jobId: 'j3' }, configuration: { query: { query: 'SELECT 1 AS x', useLegacySql: false } } });
    expect((await post(ok)).status).toBe(200);
    expect((await post(ok)).status).toBe(409);
    expect((await fetch(`${base}/jobs/unknown_job`)).status).toBe(404);
    expect((await fetch(`${base}/datasets/${DATASET}/tables/none`)).status).toBe(404);
    expect((await fetch(`${base}/datasets/none`)).status).toBe(404);
  });
});

describe('the Storage Read double', () => {
  const table = { projectId: PROJECT, datasetId: DATASET, tableId: 'plays' };

  it('splits a table into contiguous streams and honours selected fields', async () => {
    const r = await readTableArrow(reader, PROJECT, table, { maxStreams: 3, selectedFields: ['id'] });
    expect(r.streams).toBe(3);
    expect(r.table.schema.fields.map((f) => f.name)).toEqual(['id']);
    expect(Array.from(r.table.getChild('id')!.toArray() as BigInt64Array, Number)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('answers NOT_FOUND for an unknown table and INVALID_ARGUMENT for a malformed request or a bad stream', async () => {
    const nf = await readTableArrow(reader, PROJECT, { ...table, tableId: 'nope' }).catch((e) => e);
    expect(nf).toBeInstanceOf(InputDataError);
    const code = async (p: Promise<unknown>) => ((await p.then(() => null, (e) => e)) as { code?: number } | null)?.code;
    expect(await code(reader.createReadSession({ parent: 'not-a-project', readSession: { table: 'projects/p/datasets/d/tables/t', dataFormat: 'ARROW' } }))).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await code(reader.createReadSession({ parent: `projects/${PROJECT}`, readSession: { table: 'plays', dataFormat: 'ARROW' } }))).toBe(grpc.status.INVALID_ARGUMENT);
    const readBad = (name: string) =>
      new Promise((resolve, reject) => {
        // without these options the transport replays a failed stream from its first request
        const s = reader.readRows({ readStream: name, offset: 0 }, { retry: null, retryRequestOptions: { retries: 0, noResponseRetries: 0 } } as never);
        s.on('data', () => {});
        s.on('error', reject);
        s.on('end', resolve);
      });
    expect(await code(readBad('garbage'))).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await code(readBad(`projects/${PROJECT}/locations/us/sessions/unknown/streams/0`))).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('returns no streams for an empty table, and the adapter still yields its schema', async () => {
    await d.loadTable(DATASET, 'empty', 'SELECT 1::BIGINT AS a, 2.0::DOUBLE AS b WHERE false');
    const r = await readTableArrow(reader, PROJECT, { ...table, tableId: 'empty' }, { maxStreams: 4 });
    expect(r.streams).toBe(0);
    expect(r.table.numRows).toBe(0);
    expect(r.table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['a:Int64', 'b:Float64']);
  });
});
