/**
 * Failure paths of the gs:// store, always against the double (it is the one that can be told to
 * fail): retries of safe operations, lost responses, integrity checks, resumable sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededBytes } from '../support/seeded-bytes.ts';
import { ExitCode, InfraError, PreconditionFailedError, exitCodeOf } from '../../src/core/errors.ts';
import { crc32cBase64 } from '../../src/core/hash.ts';
import { createGcsStore, type GcsStoreOptions } from '../../src/store/gcs/store.ts';
import { openStore } from '../../src/store/open.ts';
import { startGcsDouble, type GcsDouble } from '../doubles/gcs/server.ts';
import { gcsTarget } from './target.ts';

const BUCKET = 'fault-bucket';
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

const seeded = seededBytes;

let double: GcsDouble;
let counter = 0;
beforeAll(async () => {
  double = await startGcsDouble({ maxPageSize: 2 });
  double.createBucket(BUCKET);
});
afterAll(async () => {
  await double.close();
});

function storeAt(opts: GcsStoreOptions = {}) {
  const prefix = `f${++counter}`;
  const store = createGcsStore(gcsTarget(`gs://${BUCKET}/${prefix}`), { apiEndpoint: double.endpoint, retry: { initialDelayMs: 1, maxDelayMs: 5 }, ...opts });
  return { store, prefix };
}

function requestsSince(mark: number) {
  return double.requests.slice(mark);
}

describe('gs:// store under faults', () => {
  it('retries a create that got a 503 on the nth upload, and stores the bytes once', async () => {
    const { store, prefix } = storeAt();
    double.addFault({ op: 'upload', nth: 2, status: 503 });
    const mark = double.requests.length;
    await store.create('a', enc('one'));
    const info = await store.create('b', enc('two'));
    await store.create('c', enc('three'));
    const uploads = requestsSince(mark).filter((r) => r.path.startsWith('/upload/'));
    expect(uploads.map((r) => r.status)).toEqual([200, 503, 200, 200]);
    expect(dec((await store.read('b'))!.data)).toBe('two');
    expect(double.getObject(BUCKET, `${prefix}/b`)!.generation).toBe(info.generation);
  });

  it('a create whose response was lost is recognised as its own write on retry', async () => {
    const { store, prefix } = storeAt();
    double.addFault({ op: 'upload', nth: 1, status: 503, afterApply: true });
    const mark = double.requests.length;
    const info = await store.create('shard', enc('payload'));
    const statuses = requestsSince(mark).filter((r) => r.path.startsWith('/upload/')).map((r) => r.status);
    expect(statuses).toEqual([503, 412]);
    expect(info.generation).toBe(double.getObject(BUCKET, `${prefix}/shard`)!.generation);
    expect(info.size).toBe(7);
  });

  it('a swap whose response was lost succeeds once the object holds our bytes', async () => {
    const { store } = storeAt();
    const first = await store.swap('LATEST', enc('{"version":"v1"}'), null);
    double.addFault({ op: 'upload', nth: 1, status: 503, afterApply: true });
    const second = await store.swap('LATEST', enc('{"version":"v2"}'), first.generation);
    expect(second.generation).not.toBe(first.generation);
    const got = await store.read('LATEST');
    expect(dec(got!.data)).toBe('{"version":"v2"}');
    expect(got!.generation).toBe(second.generation);
  });

  it('after a retry, a 412 on different bytes is still a lost race', async () => {
    const { store } = storeAt();
    await store.create('x', enc('theirs'));
    double.addFault({ op: 'upload', nth: 1, status: 503 });
    await expect(store.create('x', enc('ours'))).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(dec((await store.read('x'))!.data)).toBe('theirs');
  });

  it('gives up after the configured attempts with InfraError (exit 5) naming the object', async () => {
    const { store, prefix } = storeAt({ retry: { attempts: 3, initialDelayMs: 1 } });
    for (let i = 0; i < 3; i++) double.addFault({ op: 'upload', nth: i + 1, status: 503 });
    const err = await store.create('doomed', enc('z')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect(exitCodeOf(err)).toBe(ExitCode.infra);
    expect((err as Error).message).toContain(`gs://${BUCKET}/${prefix}/doomed`);
    expect((err as Error).message).toContain('503');
    expect(double.getObject(BUCKET, `${prefix}/doomed`)).toBeUndefined();
  });

  it('does not retry what a retry cannot fix (404 bucket) and maps it to InfraError', async () => {
    const store = createGcsStore(gcsTarget('gs://no-such-bucket/p'), { apiEndpoint: double.endpoint, retry: { initialDelayMs: 1 } });
    const mark = double.requests.length;
    const err = await store.create('a', enc('a')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect((err as Error).message).toContain('gs://no-such-bucket/p/a');
    expect(requestsSince(mark)).toHaveLength(1);
    await expect(store.list('')).rejects.toBeInstanceOf(InfraError);
  });

  it('retries reads, stats, lists and deletes on 429/503', async () => {
    const { store } = storeAt();
    for (const p of ['l/1', 'l/2', 'l/3', 'l/4', 'l/5']) await store.create(p, enc(p));
    double.addFault({ op: 'download', nth: 1, status: 429 });
    expect(dec((await store.read('l/3'))!.data)).toBe('l/3');
    double.addFault({ op: 'get', nth: 1, status: 503 });
    expect((await store.stat('l/4'))!.size).toBe(3);
    double.addFault({ op: 'list', nth: 2, status: 503 });
    const mark = double.requests.length;
    expect((await store.list('l/')).map((o) => o.path)).toEqual(['l/1', 'l/2', 'l/3', 'l/4', 'l/5']);
    const lists = requestsSince(mark).filter((r) => r.method === 'GET' && r.path.endsWith('/o'));
    // pages of 2: three pages, one of them failed once and was fetched again with its token
    expect(lists.map((r) => r.status)).toEqual([200, 503, 200, 200]);
    expect(lists[1].query.pageToken).toBeTruthy();
    expect(lists[2].query.pageToken).toBe(lists[1].query.pageToken);
    double.addFault({ op: 'delete', nth: 1, status: 503, afterApply: true });
    await store.delete('l/5');
    expect(await store.stat('l/5')).toBeNull();
  });

  it('retries a download whose bytes arrived damaged, and fails on damage at rest', async () => {
    const { store, prefix } = storeAt();
    await store.create('blob', seeded(4096, 7));
    double.addFault({ op: 'download', nth: 1, corrupt: true });
    const got = await store.read('blob');
    expect(Buffer.compare(Buffer.from(got!.data), Buffer.from(seeded(4096, 7)))).toBe(0);

    double.corruptStored(BUCKET, `${prefix}/blob`, seeded(4096, 8));
    const err = await store.read('blob').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect((err as Error).message).toMatch(/crc32c/);
    expect((err as Error).message).toContain(`${prefix}/blob`);
  });

  it('refuses an upload whose reported crc32c differs, and removes the created object', async () => {
    const { store, prefix } = storeAt({ retry: { attempts: 1 } });
    double.addFault({ op: 'upload', nth: 1, lieAboutCrc32c: true });
    const err = await store.create('liar', enc('bytes')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect((err as Error).message).toContain(crc32cBase64(enc('bytes')));
    expect(double.getObject(BUCKET, `${prefix}/liar`)).toBeUndefined();
  });

  it('resumes a resumable upload from the persisted offset after a chunk fails midway', async () => {
    const { store, prefix } = storeAt({ resumableThreshold: 1024, resumableChunkSize: 256 * 1024 });
    const data = seeded(1024 * 1024 + 100, 3);
    // the second chunk request fails with nothing of it persisted
    double.addFault({ op: 'upload-chunk', nth: 2, status: 503 });
    const mark = double.requests.length;
    const info = await store.create('big.arrow', data);
    const reqs = requestsSince(mark).filter((r) => r.path.startsWith('/upload/'));
    const starts = reqs.filter((r) => r.method === 'POST');
    expect(starts).toHaveLength(1); // one session, resumed
    expect(reqs.some((r) => r.status === 503)).toBe(true);
    const stored = double.getObject(BUCKET, `${prefix}/big.arrow`)!;
    expect(Buffer.compare(stored.data, Buffer.from(data))).toBe(0);
    expect(info.generation).toBe(stored.generation);
    expect(info.size).toBe(data.byteLength);
  });

  it('a single-request resumable upload cut midway sends only the bytes the service lacks', async () => {
    const { store, prefix } = storeAt({ resumableThreshold: 1 });
    const data = seeded(1024 * 1024 + 100, 5);
    double.addFault({ op: 'upload-chunk', nth: 1, status: 503, persistBytes: 512 * 1024 });
    const mark = double.requests.length;
    await store.create('cut.arrow', data);
    // (status queries, "bytes */*", carry no body)
    const puts = requestsSince(mark).filter((r) => r.method === 'PUT' && r.bodyBytes > 0);
    expect(puts[0]).toMatchObject({ status: 503, contentRange: `bytes 0-*/${data.byteLength}` });
    const last = puts[puts.length - 1];
    expect(last).toMatchObject({ status: 200, contentRange: `bytes ${512 * 1024}-*/${data.byteLength}` });
    expect(last.bodyBytes).toBe(data.byteLength - 512 * 1024);
    expect(Buffer.compare(double.getObject(BUCKET, `${prefix}/cut.arrow`)!.data, Buffer.from(data))).toBe(0);
  });

  it('a resumable upload whose final response was lost completes from the session', async () => {
    const { store, prefix } = storeAt({ resumableThreshold: 1 });
    double.addFault({ op: 'upload-chunk', nth: 1, status: 503, afterApply: true });
    const info = await store.create('one-shot', seeded(5000, 9));
    const stored = double.getObject(BUCKET, `${prefix}/one-shot`)!;
    expect(info.generation).toBe(stored.generation);
    expect(Buffer.compare(stored.data, Buffer.from(seeded(5000, 9)))).toBe(0);
  });

  it('a resumable create of an existing object fails its precondition', async () => {
    const { store } = storeAt({ resumableThreshold: 1 });
    await store.create('exists', enc('first'));
    await expect(store.create('exists', enc('second'))).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(dec((await store.read('exists'))!.data)).toBe('first');
  });

  it.each([404, 410])('a resumable session that expires (%i) is restarted as a new session, from the first byte', async (status) => {
    const { store, prefix } = storeAt({ resumableThreshold: 1024, resumableChunkSize: 256 * 1024 });
    const data = seeded(1024 * 1024 + 100, 11);
    double.addFault({ op: 'upload-chunk', nth: 2, status, expireSession: true });
    const mark = double.requests.length;
    const info = await store.create(`expired-${status}.arrow`, data);
    const reqs = requestsSince(mark).filter((r) => r.path.startsWith('/upload/'));
    expect(reqs.filter((r) => r.method === 'POST')).toHaveLength(2); // two sessions
    expect(reqs.some((r) => r.status === status)).toBe(true);
    const stored = double.getObject(BUCKET, `${prefix}/expired-${status}.arrow`)!;
    expect(Buffer.compare(stored.data, Buffer.from(data))).toBe(0);
    expect(info.generation).toBe(stored.generation);
  });

  it('restarts an expiring session a bounded number of times, then fails with exit 5', async () => {
    const { store, prefix } = storeAt({ resumableThreshold: 1 });
    for (let i = 1; i <= 6; i++) double.addFault({ op: 'upload-chunk', nth: i, status: 410, expireSession: true });
    const mark = double.requests.length;
    const err = await store.create('never', seeded(3000, 2)).catch((e: unknown) => e);
    double.clearFaults();
    expect(err).toBeInstanceOf(InfraError);
    expect((err as Error).message).toContain(`gs://${BUCKET}/${prefix}/never`);
    expect((err as Error).message).toContain('410');
    // the first session and 2 restarts
    expect(requestsSince(mark).filter((r) => r.path.startsWith('/upload/') && r.method === 'POST')).toHaveLength(3);
    expect(double.getObject(BUCKET, `${prefix}/never`)).toBeUndefined();
  });

  it('a retried resumable create after a restart recognises its own completed write', async () => {
    const { store, prefix } = storeAt({ resumableThreshold: 1 });
    // the final chunk lands, its answer is lost, and the session is gone by the time the client asks again
    double.addFault({ op: 'upload-chunk', nth: 1, status: 503, afterApply: true, expireSession: true });
    const info = await store.create('landed', seeded(4000, 4)).catch((e: unknown) => e);
    double.clearFaults();
    expect(info).not.toBeInstanceOf(Error);
    expect((info as { generation: string }).generation).toBe(double.getObject(BUCKET, `${prefix}/landed`)!.generation);
  });

  it('deletes are preconditioned on the generation: a retry never removes what another writer put there since', async () => {
    const { store, prefix } = storeAt();
    const first = await store.create('d/obj', enc('old'));
    double.addFault({ op: 'delete', nth: 1, status: 503, afterApply: true, concurrentWrite: enc('new') });
    const mark = double.requests.length;
    const err = await store.delete('d/obj').catch((e: unknown) => e);
    const deletes = requestsSince(mark).filter((r) => r.method === 'DELETE');
    expect(deletes.length).toBeGreaterThanOrEqual(1);
    expect(deletes.every((r) => r.query.ifGenerationMatch === first.generation)).toBe(true);
    // the object another writer stored after the first attempt is still there
    expect(dec(double.getObject(BUCKET, `${prefix}/d/obj`)!.data)).toBe('new');
    expect(err).toBeInstanceOf(PreconditionFailedError);
  });

  it('a retried delete whose first attempt was applied succeeds; deleting an absent object is a no-op', async () => {
    const { store, prefix } = storeAt();
    const info = await store.create('d/gone', enc('x'));
    double.addFault({ op: 'delete', nth: 1, status: 503, afterApply: true });
    const mark = double.requests.length;
    await store.delete('d/gone');
    expect(double.getObject(BUCKET, `${prefix}/d/gone`)).toBeUndefined();
    const deletes = requestsSince(mark).filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => [r.status, r.query.ifGenerationMatch])).toEqual([
      [503, info.generation],
      [404, info.generation],
    ]);
    await store.delete('d/never-was');
  });

  it('rejects bad URIs and paths as usage errors', async () => {
    await expect(openStore('gs://UPPER/x')).rejects.toThrow(/bucket name/);
    await expect(openStore('s3://b/x')).rejects.toThrow(/gs:\/\/BUCKET/);
    const { store } = storeAt();
    expect(() => store.uriOf('../escape')).toThrow(/invalid store path/);
    expect(store.uriOf('ds/LATEST')).toBe(`${store.uri}/ds/LATEST`);
  });
});
