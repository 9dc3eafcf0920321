import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../src/core/hash.ts';
import { startScoreServer, type RunningServer } from '../../src/serving/http.ts';
import { ScoreCache } from '../../src/serving/loader.ts';
import { pollLatest, type Reloader } from '../../src/serving/reload.ts';
import { LocalStore } from '../../src/store/local/store.ts';
import { versionId } from '../../src/snapshot/version.ts';
import { MemoryNotifier, MemoryStore, expectedByKey, makeRows, publishTestSnapshot, publishWithWriter, rowAnswer, type Row } from './support.ts';
import { cleanupsAfterEach } from '../support/wait.ts';

const cleanups = cleanupsAfterEach();

async function serve(cache: ScoreCache, extra: { maxBatch?: number; maxBodyBytes?: number } = {}): Promise<RunningServer> {
  const s = await startScoreServer({ cache, host: '127.0.0.1', port: 0, ...extra });
  cleanups.push(() => s.close(100));
  return s;
}

const keyUrl = (base: string, r: { track_id: string; market: string; surface: string }) =>
  `${base}/v1/scores/${encodeURIComponent(r.track_id)}?market=${encodeURIComponent(r.market)}&surface=${encodeURIComponent(r.surface)}`;

describe('promoscore serve HTTP', () => {
  it('answers every key of a small snapshot exactly, misses with 404, with the version header', async () => {
    const store = new MemoryStore();
    const rows = makeRows(300, 21);
    await publishTestSnapshot(store, { version: 'v7', rows, buckets: 4 });
    const cache = new ScoreCache({ store, dataset: 'promo' });
    const srv = await serve(cache);
    expect((await fetch(`${srv.url}/readyz`)).status).toBe(503);
    expect((await fetch(keyUrl(srv.url, rows[0]))).status).toBe(503);
    await cache.loadLatest();
    expect((await fetch(`${srv.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${srv.url}/healthz`)).text()).toBe('ok\n');
    for (const [k, list] of expectedByKey(rows)) {
      const [track_id, market, surface] = k.split('\u0000');
      const res = await fetch(keyUrl(srv.url, { track_id, market, surface }));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-promoscore-version')).toBe('v7');
      expect(await res.json()).toEqual({ track_id, market, surface, version: 'v7', rows: list.map(rowAnswer) });
    }
    const miss = await fetch(keyUrl(srv.url, { track_id: 'nope', market: 'SE', surface: 'radio' }));
    expect(miss.status).toBe(404);
    expect(miss.headers.get('x-promoscore-version')).toBe('v7');
    expect(await miss.json()).toMatchObject({ error: 'not_found', track_id: 'nope' });
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`promoscore_lookups_total\\{endpoint="get"\\} ${expectedByKey(rows).size + 1}\\n`));
    expect(metrics).toMatch(/promoscore_lookup_misses_total\{endpoint="get"\} 1\n/);
    expect(metrics).toMatch(/promoscore_snapshot_info\{dataset="promo",version="v7"\} 1/);
    expect(metrics).toMatch(/promoscore_snapshot_version_age_seconds \d/);
    expect(metrics).toMatch(/promoscore_snapshot_load_duration_seconds_count 1\n/);
  });

  it('answers batchGet from one version, and bounds the batch', async () => {
    const store = new MemoryStore();
    const rows = makeRows(300, 4);
    await publishTestSnapshot(store, { version: 'v1', rows });
    const cache = new ScoreCache({ store, dataset: 'promo' });
    await cache.loadLatest();
    const srv = await serve(cache, { maxBatch: 5, maxBodyBytes: 2000 });
    const post = (body: unknown, type = 'application/json') =>
      fetch(`${srv.url}/v1/scores:batchGet`, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const exp = expectedByKey(rows);
    const keys = [rows[0], rows[10], { track_id: 'ghost', market: 'US', surface: 'mix' }].map((r) => ({ track_id: r.track_id, market: r.market, surface: r.surface }));
    const res = await post({ keys });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-promoscore-version')).toBe('v1');
    const body = await res.json();
    expect(body.version).toBe('v1');
    expect(body.results[0]).toEqual({ ...keys[0], found: true, rows: exp.get(`${keys[0].track_id}\u0000${keys[0].market}\u0000${keys[0].surface}`)!.map(rowAnswer) });
    expect(body.results[1].rows).toEqual(exp.get(`${keys[1].track_id}\u0000${keys[1].market}\u0000${keys[1].surface}`)!.map(rowAnswer));
    expect(body.results[2]).toEqual({ ...keys[2], found: false });
    const six = Array.from({ length: 6 }, () => keys[0]);
    const tooMany = await post({ keys: six });
    expect(tooMany.status).toBe(400);
    expect((await tooMany.json()).error).toMatch(/6 keys exceeds the limit of 5/);
    expect((await post('{"keys": [')).status).toBe(400);
    expect((await post({ keys: [] })).status).toBe(400);
    expect((await (await post({ keys: [{ ...keys[0], market: 'se' }] })).json()).error).toMatch(/keys\[0\]\.market/);
    expect((await post({ keys: [{ ...keys[0], extra: 1 }] })).status).toBe(400);
    expect((await post({ keys }, 'text/plain')).status).toBe(415);
    expect((await post({ keys, pad: 'x'.repeat(3000) })).status).toBe(413);
    expect((await fetch(`${srv.url}/v1/scores:batchGet`)).status).toBe(405);
  });

  it.each([
    ['/v1/scores/abc?market=se&surface=radio', /market must be/],
    ['/v1/scores/abc?market=SE', /surface must be/],
    ['/v1/scores/abc?market=SE&surface=Radio', /surface must be/],
    ['/v1/scores/abc?market=SE&surface=radio&x=1', /unknown parameter "x"/],
    ['/v1/scores/abc?market=SE&market=US&surface=radio', /more than once/],
    ['/v1/scores/a%2Fb?market=SE&surface=radio', /track_id must be/],
    ['/v1/scores/%E0%A4%A?market=SE&surface=radio', /percent-encoding/],
    ['/v1/scores/?market=SE&surface=radio', /track_id must be/],
    [`/v1/scores/${'a'.repeat(257)}?market=SE&surface=radio`, /track_id must be/],
    ['/v1/scores/a%00b?market=SE&surface=radio', /control characters/],
  ])('rejects %s with 400', async (path, message) => {
    const store = new MemoryStore();
    await publishTestSnapshot(store, { version: 'v1', rows: makeRows(20, 1) });
    const cache = new ScoreCache({ store, dataset: 'promo' });
    await cache.loadLatest();
    const srv = await serve(cache);
    const res = await fetch(srv.url + path);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(message);
  });

  it('routes: 404 for unknown paths, 405 for wrong methods', async () => {
    const cache = new ScoreCache({ store: new MemoryStore(), dataset: 'promo' });
    const srv = await serve(cache);
    expect((await fetch(`${srv.url}/nope`)).status).toBe(404);
    const r = await fetch(`${srv.url}/v1/scores/a?market=SE&surface=radio`, { method: 'DELETE' });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET');
  });

  it('answers 421 for a track outside its shard selection', async () => {
    const store = new MemoryStore();
    const rows = makeRows(400, 8);
    await publishTestSnapshot(store, { version: 'v1', rows, buckets: 8 });
    const cache = new ScoreCache({ store, dataset: 'promo', shards: { index: 0, count: 2 } });
    await cache.loadLatest();
    const srv = await serve(cache);
    const mine = rows.find((r) => bucketOf(r.track_id, 8) % 2 === 0)!;
    const other = rows.find((r) => bucketOf(r.track_id, 8) % 2 === 1)!;
    expect((await fetch(keyUrl(srv.url, mine))).status).toBe(200);
    const res = await fetch(keyUrl(srv.url, other));
    expect(res.status).toBe(421);
    expect((await res.json()).error).toMatch(/served by shard 1\/2/);
  });

  it('hot-swaps 20 versions under load: no errors, no mixed answers, the version never goes back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promoscore-serving-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const store = new LocalStore(dir);
    const notifier = new MemoryNotifier();
    const asOfs = Array.from({ length: 21 }, (_, i) => `2026-11-25T${String(i).padStart(2, '0')}`);
    const versions = asOfs.map((asOf, i) => versionId({ dataset: 'promo', asOf, specHash: 'spec', inputFingerprint: String(i) }));
    const rowsOf = versions.map((_, i) => makeRows(400, 99, i));
    const expected = rowsOf.map((rows) => expectedByKey(rows));
    const sample = [...expected[0].keys()].filter((_, i) => i % 7 === 0).map((k) => k.split('\u0000'));
    const publish = (i: number) => publishWithWriter(store, notifier, { version: versions[i], asOf: asOfs[i], rows: rowsOf[i], buckets: 2 });
    await publish(0);
    const cache = new ScoreCache({ store, dataset: 'promo', jitterMs: 5, seed: 1 });
    await cache.loadLatest();
    const poller: Reloader = pollLatest(cache, 10);
    cleanups.push(() => poller.stop());
    const srv = await serve(cache);

    const seen = new Set<string>();
    const problems: string[] = [];
    let requests = 0;
    let stop = false;
    const check = (version: string, key: string[], rows: unknown) => {
      const i = versions.indexOf(version);
      if (i < 0) return problems.push(`unknown version ${version}`);
      const want = expected[i].get(key.join('\u0000'))!.map(rowAnswer);
      if (JSON.stringify(rows) !== JSON.stringify(want)) problems.push(`mixed answer for ${key} under ${version}`);
    };
    const client = async (c: number) => {
      let last = -1;
      let n = c;
      while (!stop) {
        const key = sample[n++ % sample.length];
        let version: string;
        if (n % 5 === 0) {
          const keys = [key, sample[(n * 3) % sample.length]].map(([track_id, market, surface]) => ({ track_id, market, surface }));
          const res = await fetch(`${srv.url}/v1/scores:batchGet`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keys }) });
          if (res.status !== 200) problems.push(`batch status ${res.status}`);
          const body = await res.json();
          version = res.headers.get('x-promoscore-version')!;
          if (body.version !== version) problems.push('batch body and header disagree');
          body.results.forEach((r: { rows: unknown }, j: number) => check(version, [keys[j].track_id, keys[j].market, keys[j].surface], r.rows));
        } else {
          const res = await fetch(keyUrl(srv.url, { track_id: key[0], market: key[1], surface: key[2] }));
          if (res.status !== 200) problems.push(`status ${res.status}`);
          version = res.headers.get('x-promoscore-version')!;
          const body = await res.json();
          if (body.version !== version) problems.push('body and header disagree');
          check(version, key, body.rows);
        }
        const idx = versions.indexOf(version);
        if (idx < last) problems.push(`client ${c} went back from ${versions[last]} to ${version}`);
        last = Math.max(last, idx);
        seen.add(version);
        requests++;
      }
    };
    const clients = Array.from({ length: 4 }, (_, c) => client(c));
    const until = async (cond: () => boolean) => {
      while (!cond()) await new Promise((r) => setTimeout(r, 2));
    };
    for (let i = 1; i < versions.length; i++) {
      await publish(i);
      // wait until the server swapped and a client saw the new version, so every version is exercised
      await until(() => cache.current?.version === versions[i] && seen.has(versions[i]));
    }
    stop = true;
    await Promise.all(clients);
    expect(problems).toEqual([]);
    expect(seen.size).toBe(versions.length);
    expect(cache.current?.version).toBe(versions[20]);
    expect(requests).toBeGreaterThan(versions.length);
    expect(cache.metrics.loads).toBe(21);
    expect(notifier.sent.map((n) => n.version)).toEqual(versions);
  });
});

void ({} as Row);
