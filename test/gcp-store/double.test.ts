/**
 * The GCS double must reject what Cloud Storage rejects and answer in its shapes, or the adapter's
 * error paths would be tested against a fiction. Raw HTTP, no client in between.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32cBase64 } from '../../src/core/hash.ts';
import { startGcsDouble, type GcsDouble } from '../doubles/gcs/server.ts';

let d: GcsDouble;
beforeAll(async () => {
  d = await startGcsDouble({ maxPageSize: 2 });
  d.createBucket('raw');
});
afterAll(async () => {
  await d.close();
});

const obj = (name: string) => `${d.endpoint}/storage/v1/b/raw/o/${encodeURIComponent(name)}`;
const media = (name: string, q = '') => `${d.endpoint}/upload/storage/v1/b/raw/o?uploadType=media&name=${encodeURIComponent(name)}${q}`;

function multipart(resource: object, data: Buffer) {
  const boundary = 'b0undary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(resource)}\r\n--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\n`),
    data,
    Buffer.from(`\r\n--${boundary}--`),
  ]);
  return { body, headers: { 'content-type': `multipart/related; boundary=${boundary}` } };
}

describe('GCS JSON API double', () => {
  it('answers uploads with the object resource, hashes as GCS encodes them, int64 as strings', async () => {
    const data = Buffer.from('hello world');
    const res = await fetch(media('h.txt'), { method: 'POST', body: data, headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(200);
    const o = (await res.json()) as Record<string, unknown>;
    expect(o).toMatchObject({ kind: 'storage#object', name: 'h.txt', bucket: 'raw', size: '11', metageneration: '1', contentType: 'text/plain' });
    expect(o.crc32c).toBe(crc32cBase64(data));
    expect(o.md5Hash).toBe(createHash('md5').update(data).digest('base64'));
    expect(typeof o.generation).toBe('string');
    const dl = await fetch(`${obj('h.txt')}?alt=media`);
    expect(dl.headers.get('x-goog-hash')).toBe(`crc32c=${o.crc32c},md5=${o.md5Hash}`);
    expect(dl.headers.get('x-goog-generation')).toBe(o.generation);
    expect(Buffer.from(await dl.arrayBuffer()).toString()).toBe('hello world');
  });

  it('enforces generation preconditions with 412 (and 304 for reads on NotMatch)', async () => {
    const first = (await (await fetch(media('p', '&ifGenerationMatch=0'), { method: 'POST', body: 'a' })).json()) as { generation: string };
    const again = await fetch(media('p', '&ifGenerationMatch=0'), { method: 'POST', body: 'b' });
    expect(again.status).toBe(412);
    expect(((await again.json()) as { error: { errors: { reason: string }[] } }).error.errors[0].reason).toBe('conditionNotMet');
    expect((await fetch(media('p', `&ifGenerationMatch=${first.generation}`), { method: 'POST', body: 'c' })).status).toBe(200);
    expect((await fetch(media('p', `&ifGenerationMatch=${first.generation}`), { method: 'POST', body: 'd' })).status).toBe(412);
    expect((await fetch(media('absent', '&ifGenerationMatch=5'), { method: 'POST', body: 'x' })).status).toBe(412);
    const cur = (await (await fetch(obj('p'))).json()) as { generation: string };
    expect((await fetch(`${obj('p')}?ifGenerationNotMatch=${cur.generation}`)).status).toBe(304);
    expect((await fetch(media('p', `&ifGenerationNotMatch=${cur.generation}`), { method: 'POST', body: 'e' })).status).toBe(412);
    expect((await fetch(`${obj('p')}?ifGenerationMatch=${first.generation}`, { method: 'DELETE' })).status).toBe(412);
    expect((await fetch(media('p', '&ifGenerationMatch=abc'), { method: 'POST', body: 'f' })).status).toBe(400);
  });

  it('refuses bytes whose declared crc32c or md5 does not match', async () => {
    const data = Buffer.from('payload');
    const bad = multipart({ name: 'm', crc32c: crc32cBase64(Buffer.from('other')) }, data);
    const r1 = await fetch(`${d.endpoint}/upload/storage/v1/b/raw/o?uploadType=multipart`, { method: 'POST', ...bad });
    expect(r1.status).toBe(400);
    expect(((await r1.json()) as { error: { message: string } }).error.message).toMatch(/CRC32C/);
    const badMd5 = multipart({ name: 'm', md5Hash: createHash('md5').update('x').digest('base64') }, data);
    expect((await fetch(`${d.endpoint}/upload/storage/v1/b/raw/o?uploadType=multipart`, { method: 'POST', ...badMd5 })).status).toBe(400);
    expect(d.getObject('raw', 'm')).toBeUndefined();
    const good = multipart({ name: 'm', crc32c: crc32cBase64(data) }, data);
    expect((await fetch(`${d.endpoint}/upload/storage/v1/b/raw/o?uploadType=multipart`, { method: 'POST', ...good })).status).toBe(200);
    expect(d.getObject('raw', 'm')!.data.toString()).toBe('payload');
  });

  it('rejects malformed requests: no name, bad upload type, broken multipart, unknown bucket', async () => {
    expect((await fetch(`${d.endpoint}/upload/storage/v1/b/raw/o?uploadType=media`, { method: 'POST', body: 'x' })).status).toBe(400);
    expect((await fetch(`${d.endpoint}/upload/storage/v1/b/raw/o?uploadType=weird&name=a`, { method: 'POST', body: 'x' })).status).toBe(400);
    const broken = await fetch(`${d.endpoint}/upload/storage/v1/b/raw/o?uploadType=multipart&name=a`, {
      method: 'POST',
      body: 'not multipart',
      headers: { 'content-type': 'multipart/related; boundary=zz' },
    });
    expect(broken.status).toBe(400);
    const nb = await fetch(`${d.endpoint}/storage/v1/b/nobucket/o/x`);
    expect(nb.status).toBe(404);
    expect(((await nb.json()) as { error: { code: number } }).error.code).toBe(404);
    expect((await fetch(`${obj('missing')}?alt=media`)).status).toBe(404);
  });

  it('runs a chunked resumable session: 308 with Range, status query, alignment, finalize', async () => {
    const start = await fetch(`${d.endpoint}/upload/storage/v1/b/raw/o?uploadType=resumable&name=r.bin&ifGenerationMatch=0`, {
      method: 'POST',
      body: JSON.stringify({ contentType: 'application/octet-stream' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(start.status).toBe(200);
    const session = start.headers.get('location')!;
    expect(session).toContain('upload_id=');
    const chunk = Buffer.alloc(256 * 1024, 1);
    const tail = Buffer.alloc(10, 2);
    const total = chunk.length + tail.length;
    const misaligned = await fetch(session, { method: 'PUT', body: chunk.subarray(0, 1000), headers: { 'content-range': `bytes 0-999/${total}` } });
    expect(misaligned.status).toBe(400);
    const p1 = await fetch(session, { method: 'PUT', body: chunk, headers: { 'content-range': `bytes 0-${chunk.length - 1}/*` } });
    expect(p1.status).toBe(308);
    expect(p1.headers.get('range')).toBe(`bytes=0-${chunk.length - 1}`);
    const q = await fetch(session, { method: 'PUT', headers: { 'content-range': 'bytes */*' } });
    expect(q.status).toBe(308);
    expect(q.headers.get('range')).toBe(`bytes=0-${chunk.length - 1}`);
    const gap = await fetch(session, { method: 'PUT', body: tail, headers: { 'content-range': `bytes ${chunk.length + 5}-${chunk.length + 14}/${total + 5}` } });
    expect(gap.status).toBe(400);
    const fin = await fetch(session, { method: 'PUT', body: tail, headers: { 'content-range': `bytes ${chunk.length}-${total - 1}/${total}` } });
    expect(fin.status).toBe(200);
    expect(((await fin.json()) as { size: string }).size).toBe(String(total));
    const after = await fetch(session, { method: 'PUT', headers: { 'content-range': 'bytes */*' } });
    expect(after.status).toBe(200);
    expect((await fetch(`${d.endpoint}/upload/storage/v1/b/raw/o?uploadType=resumable&name=r.bin&ifGenerationMatch=0`, { method: 'POST' })).status).toBe(412);
  });

  it('lists with prefix, delimiter and page tokens', async () => {
    for (const n of ['ls/a', 'ls/b/1', 'ls/b/2', 'ls/c', 'ls/d/1', 'ls/e']) {
      await fetch(media(n), { method: 'POST', body: n });
    }
    const seen: string[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const u = new URL(`${d.endpoint}/storage/v1/b/raw/o`);
      u.searchParams.set('prefix', 'ls/');
      u.searchParams.set('delimiter', '/');
      if (token) u.searchParams.set('pageToken', token);
      const page = (await (await fetch(u)).json()) as { items?: { name: string }[]; prefixes?: string[]; nextPageToken?: string };
      seen.push(...(page.items ?? []).map((i) => i.name));
      prefixes.push(...(page.prefixes ?? []));
      token = page.nextPageToken;
      pages++;
    } while (token);
    expect(seen).toEqual(['ls/a', 'ls/c', 'ls/e']);
    expect(prefixes).toEqual(['ls/b/', 'ls/d/']);
    expect(pages).toBe(3);
    expect((await fetch(`${d.endpoint}/storage/v1/b/raw/o?pageToken=%%%`)).status).toBe(400);
  });
});
