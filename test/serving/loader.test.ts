import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../src/core/hash.ts';
import { paths } from '../../src/snapshot/contract.ts';
import { ScoreCache } from '../../src/serving/loader.ts';
import { loadSnapshot, parseShardSelection } from '../../src/serving/load-snapshot.ts';
import { workerLoadPool } from '../../src/serving/load-pool.ts';
import { MemoryNotifier, MemoryStore, expectedByKey, makeRows, moveLatest, publishTestSnapshot, publishWithWriter, rowAnswer } from './support.ts';

describe('loadSnapshot', () => {
  it('answers every key exactly as the snapshot rows say, best campaign first', async () => {
    const store = new MemoryStore();
    const rows = makeRows(3000, 7);
    await publishTestSnapshot(store, { version: 'v1', rows, buckets: 8, filesPerBucket: 2 });
    const snap = await loadSnapshot(store, 'promo', 'v1', { concurrency: 3 });
    const expected = expectedByKey(rows);
    expect(snap.index.rows).toBe(rows.length);
    expect(snap.index.keys).toBe(expected.size);
    expect([...expected.values()].some((l) => l.length > 1)).toBe(true);
    for (const [k, list] of expected) {
      const [t, m, s] = k.split('\u0000');
      expect(snap.index.lookup(t, m, s)).toEqual(list.map(rowAnswer));
    }
  });

  it('misses keys it does not hold, including near misses', async () => {
    const store = new MemoryStore();
    const rows = makeRows(500, 3);
    await publishTestSnapshot(store, { version: 'v1', rows });
    const snap = await loadSnapshot(store, 'promo', 'v1');
    const r = rows[0];
    const held = new Set(rows.map((x) => `${x.track_id}|${x.market}|${x.surface}`));
    for (const [t, m, s] of [
      [r.track_id + 'x', r.market, r.surface],
      [r.track_id.slice(0, -1), r.market, r.surface],
      ['', r.market, r.surface],
      [r.track_id, 'ZZ', r.surface],
      [r.track_id, r.market, 'podcast'],
      [r.track_id + r.market, '', r.surface],
    ]) {
      expect(held.has(`${t}|${m}|${s}`)).toBe(false);
      expect(snap.index.lookup(t, m, s)).toBeNull();
    }
  });

  it('loads only buckets b with b % n == i for a shard selection', async () => {
    const store = new MemoryStore();
    const rows = makeRows(2000, 11);
    await publishTestSnapshot(store, { version: 'v1', rows, buckets: 16 });
    const sel = parseShardSelection('1/3');
    const snap = await loadSnapshot(store, 'promo', 'v1', { shards: sel });
    const mine = rows.filter((r) => bucketOf(r.track_id, 16) % 3 === 1);
    expect(mine.length).toBeGreaterThan(0);
    expect(snap.index.rows).toBe(mine.length);
    for (const r of rows) {
      const got = snap.index.lookup(r.track_id, r.market, r.surface);
      if (bucketOf(r.track_id, 16) % 3 === 1) expect(got).not.toBeNull();
      else expect(got).toBeNull();
    }
    expect(() => parseShardSelection('3/3')).toThrow(/0 <= i < n/);
    expect(() => parseShardSelection('a/b')).toThrow(/i\/n/);
  });

  it.each([
    ['a truncated shard', { corrupt: (_f: string, b: Uint8Array) => b.subarray(0, b.length - 10) }, /truncated/],
    ['a flipped byte', { corrupt: (_f: string, b: Uint8Array) => { const c = new Uint8Array(b); c[c.length >> 1] ^= 1; return c; } }, /crc32c/],
    ['a lying sha256', { mutate: (m: any) => { m.shards[0].sha256 = '0'.repeat(64); } }, /sha256/],
    ['a wrong row count', { mutate: (m: any) => { m.shards[0].rows += 1; m.stats.rows += 1; } }, /rows, manifest says/],
    ['a misfiled bucket', { mutate: (m: any) => { m.shards[0].bucket = (m.shards[0].bucket + 1) % m.buckets; } }, /hashes to bucket/],
    ['a missing contract column', { mutate: (m: any) => { m.schema = m.schema.filter((f: any) => f.name !== 'reason'); } }, /lacks contract column "reason"/],
    ['a path escaping the version', { mutate: (m: any) => { m.shards[0].path = '../x/part-00000.arrow'; } }, /not a plain relative path/],
    ['stats that disagree', { mutate: (m: any) => { m.stats.rows += 5; } }, /stats.rows/],
  ])('refuses %s', async (_name, fault, message) => {
    const store = new MemoryStore();
    await publishTestSnapshot(store, { version: 'v1', rows: makeRows(400, 5), buckets: 4, ...(fault as object) });
    await expect(loadSnapshot(store, 'promo', 'v1')).rejects.toThrow(message);
  });

  it('refuses a shard whose column type breaks the contract', async () => {
    const store = new MemoryStore();
    const { Table, tableToIPC, makeVector, vectorFromArray, Utf8 } = await import('apache-arrow');
    const { rowsTable } = await import('./support.ts');
    await publishTestSnapshot(store, {
      version: 'v1',
      rows: makeRows(50, 5),
      buckets: 1,
      corrupt: () => new Uint8Array(0),
    });
    // rewrite the shard and its checksums with score as float64
    const rows = makeRows(50, 5);
    const t = rowsTable(rows);
    const cols: Record<string, any> = {};
    for (const f of t.schema.fields) cols[f.name] = t.getChild(f.name)!;
    cols.score = makeVector(Float64Array.from(rows, (r) => r.score));
    cols.track_id = vectorFromArray(rows.map((r) => r.track_id), new Utf8());
    const bytes = tableToIPC(new Table(cols), 'file');
    const { sha256Hex, crc32cBase64 } = await import('../../src/core/hash.ts');
    store.overwrite(paths.shard('promo', 'v1', 'part-00000.arrow'), bytes);
    const mpath = paths.manifest('promo', 'v1');
    const m = JSON.parse(Buffer.from(store.objects.get(mpath)!.data).toString());
    Object.assign(m.shards[0], { bytes: bytes.length, sha256: sha256Hex(bytes), crc32c: crc32cBase64(bytes) });
    store.overwrite(mpath, Buffer.from(JSON.stringify(m)));
    await expect(loadSnapshot(store, 'promo', 'v1')).rejects.toThrow(/column "score" is Float64, the contract says float32/);
  });

  it('retries a store error, then gives up with an infrastructure error', async () => {
    const store = new MemoryStore();
    await publishTestSnapshot(store, { version: 'v1', rows: makeRows(100, 5), buckets: 2 });
    let fails = 2;
    store.onRead = (p) => (p.endsWith('.arrow') && fails-- > 0 ? new Error('503 backend') : null);
    const snap = await loadSnapshot(store, 'promo', 'v1', { retries: 2, retryBaseMs: 1 });
    expect(snap.index.rows).toBe(100);
    store.onRead = (p) => (p.endsWith('.arrow') ? new Error('503 backend') : null);
    await expect(loadSnapshot(store, 'promo', 'v1', { retries: 1, retryBaseMs: 1 })).rejects.toMatchObject({ exitCode: 5 });
  });
});

describe('ScoreCache', () => {
  const attrs = (version: string, as_of = '2026-11-25', event = 'published') => ({
    dataset: 'promo', version, manifest_uri: `mem://test/promo/versions/${version}/manifest.json`, as_of, rows: '1', event,
  });

  it('serves nothing until the first verified load, then swaps forward', async () => {
    const store = new MemoryStore();
    const cache = new ScoreCache({ store, dataset: 'promo' });
    expect(cache.ready).toBe(false);
    expect((await cache.loadLatest()).status).toBe('no_latest');
    expect(cache.lookup('a', 'SE', 'radio')).toBeNull();
    const rows1 = makeRows(200, 1);
    await publishTestSnapshot(store, { version: 'v1', rows: rows1, createdAt: '2026-11-25T01:00:00Z' });
    expect((await cache.loadLatest()).status).toBe('loaded');
    expect(cache.lookup(rows1[0].track_id, rows1[0].market, rows1[0].surface)?.version).toBe('v1');
    expect((await cache.loadLatest()).status).toBe('duplicate');
    const rows2 = makeRows(200, 1, 1);
    await publishTestSnapshot(store, { version: 'v2', rows: rows2, createdAt: '2026-11-25T02:00:00Z' });
    expect((await cache.loadLatest()).status).toBe('loaded');
    const got = cache.lookup(rows2[0].track_id, rows2[0].market, rows2[0].surface)!;
    expect(got.version).toBe('v2');
    expect(got.rows![0].reason).toBe(expectedByKey(rows2).get(`${rows2[0].track_id}\u0000${rows2[0].market}\u0000${rows2[0].surface}`)![0].reason);
  });

  it.each([
    ['a corrupt shard', { corrupt: (_f: string, b: Uint8Array) => b.subarray(1) }, /truncated/],
    ['a lying manifest', { mutate: (m: any) => { m.shards[0].crc32c = 'AAAAAA=='; } }, /crc32c/],
  ])('keeps serving the previous version after %s, and reports it', async (_n, fault, message) => {
    const store = new MemoryStore();
    const lines: string[] = [];
    const { createLogger } = await import('../../src/observability/log.ts');
    const cache = new ScoreCache({ store, dataset: 'promo', logger: createLogger({ format: 'json', write: (l) => lines.push(l) }) });
    const rows = makeRows(300, 2);
    await publishTestSnapshot(store, { version: 'v1', rows, createdAt: '2026-11-25T01:00:00Z' });
    await cache.loadLatest();
    await publishTestSnapshot(store, { version: 'v2', rows: makeRows(300, 2, 1), createdAt: '2026-11-25T02:00:00Z', ...(fault as object) });
    const out = await cache.loadLatest();
    expect(out).toMatchObject({ status: 'failed', version: 'v2', retryable: false });
    expect(out.detail).toMatch(message);
    expect(cache.current?.version).toBe('v1');
    expect(cache.lookup(rows[0].track_id, rows[0].market, rows[0].surface)?.rows).not.toBeNull();
    expect(cache.lastError?.message).toMatch(message);
    expect(lines.some((l) => JSON.parse(l).severity === 'ERROR' && message.test(JSON.parse(l).error))).toBe(true);
    expect(cache.metrics.render()).toMatch(/promoscore_snapshot_load_failures_total\{reason="corrupt"\} 1/);
    // the same bad LATEST is not retried on every poll
    expect((await cache.loadLatest()).status).toBe('known_bad');
    expect(cache.metrics.loadFailures.get({ reason: 'corrupt' })).toBe(1);
  });

  it('keeps serving when LATEST points nowhere', async () => {
    const store = new MemoryStore();
    const cache = new ScoreCache({ store, dataset: 'promo' });
    await publishTestSnapshot(store, { version: 'v1', rows: makeRows(100, 2) });
    await cache.loadLatest();
    await moveLatest(store, 'promo', 'v9');
    const out = await cache.loadLatest();
    expect(out.status).toBe('failed');
    expect(out.detail).toMatch(/manifest promo\/versions\/v9\/manifest.json does not exist/);
    expect(cache.current?.version).toBe('v1');
    expect(cache.metrics.render()).toMatch(/promoscore_snapshot_load_failures_total\{reason="corrupt"\} 1\n/);
    expect(cache.lastError).toMatchObject({ version: 'v9' });
    store.overwrite(paths.latest('promo'), Buffer.from('{nope'));
    expect((await cache.loadLatest()).detail).toMatch(/not JSON/);
    expect(cache.current?.version).toBe('v1');
  });

  it('refuses a manifest edited after publishing, by polling and by notification, and keeps serving', async () => {
    const store = new MemoryStore();
    const notifier = new MemoryNotifier();
    await publishWithWriter(store, notifier, { version: 'v1', asOf: '2026-11-24', rows: makeRows(200, 1) });
    const cache = new ScoreCache({ store, dataset: 'promo' });
    expect((await cache.loadLatest()).status).toBe('loaded');
    await publishWithWriter(store, notifier, { version: 'v2', asOf: '2026-11-25', rows: makeRows(200, 2) });
    const path = paths.manifest('promo', 'v2');
    const m = JSON.parse(Buffer.from(store.objects.get(path)!.data).toString('utf8'));
    m.stats.promoted_rows += 1;
    store.overwrite(path, Buffer.from(JSON.stringify(m, null, 2) + '\n'));
    const polled = await cache.loadLatest();
    expect(polled).toMatchObject({ status: 'failed', version: 'v2', retryable: false });
    expect(polled.detail).toMatch(/has sha256 [0-9a-f]{64}, LATEST says [0-9a-f]{64}/);
    expect(cache.current?.version).toBe('v1');
    const fresh = new ScoreCache({ store, dataset: 'promo' });
    const notified = await fresh.handleNotification({ ...notifier.sent[1] });
    expect(notified).toMatchObject({ status: 'failed', version: 'v2', retryable: false });
    expect(fresh.current).toBeNull();
  });

  it('ignores duplicate, older and foreign notifications; loads newer ones', async () => {
    const store = new MemoryStore();
    const cache = new ScoreCache({ store, dataset: 'promo' });
    for (const [v, asOf, at] of [['v1', '2026-11-24', '2026-11-24T03:00:00Z'], ['v2', '2026-11-25', '2026-11-25T03:00:00Z'], ['v3', '2026-11-25', '2026-11-25T04:00:00Z']]) {
      await publishTestSnapshot(store, { version: v, rows: makeRows(100, 2), asOf, createdAt: at, latest: false });
    }
    expect((await cache.handleNotification(attrs('v2'))).status).toBe('loaded');
    expect((await cache.handleNotification(attrs('v2'))).status).toBe('duplicate');
    const reads = store.reads.length;
    expect((await cache.handleNotification(attrs('v1', '2026-11-24'))).status).toBe('older');
    expect(store.reads.length).toBe(reads); // rejected from the attributes alone
    expect((await cache.handleNotification({ ...attrs('v3'), dataset: 'other' })).status).toBe('other_dataset');
    expect((await cache.handleNotification({ ...attrs('v3'), event: 'deleted' })).status).toBe('invalid');
    expect((await cache.handleNotification(attrs('v3'))).status).toBe('loaded');
    // same as-of, created earlier: older although its name sorts... anywhere
    expect((await cache.handleNotification(attrs('v2'))).status).toBe('older');
    expect(cache.current?.version).toBe('v3');
  });

  it('processes concurrent out-of-order notifications one at a time, ending on the newest', async () => {
    const store = new MemoryStore();
    const cache = new ScoreCache({ store, dataset: 'promo' });
    const versions = Array.from({ length: 6 }, (_, i) => `v${i}`);
    for (const [i, v] of versions.entries()) {
      await publishTestSnapshot(store, { version: v, rows: makeRows(150, 3, i), createdAt: `2026-11-25T0${i}:00:00Z`, latest: false });
    }
    const order = [3, 1, 5, 0, 4, 2, 5, 3];
    const outcomes = await Promise.all(order.map((i) => cache.handleNotification(attrs(versions[i]))));
    expect(outcomes.map((o) => o.status)).toEqual(['loaded', 'older', 'loaded', 'older', 'older', 'older', 'duplicate', 'older']);
    expect(cache.current?.version).toBe('v5');
  });

  it('follows a rolled_back event backwards, and a redelivered newer one does not undo it', async () => {
    const store = new MemoryStore();
    const cache = new ScoreCache({ store, dataset: 'promo' });
    await publishTestSnapshot(store, { version: 'v1', rows: makeRows(100, 2), createdAt: '2026-11-25T01:00:00Z', latest: false });
    await publishTestSnapshot(store, { version: 'v2', rows: makeRows(100, 2, 1), createdAt: '2026-11-25T02:00:00Z', latest: false });
    await cache.handleNotification(attrs('v1'));
    await cache.handleNotification(attrs('v2'));
    expect((await cache.handleNotification(attrs('v1', '2026-11-25', 'rolled_back'))).status).toBe('loaded');
    expect(cache.current?.version).toBe('v1');
    expect((await cache.handleNotification(attrs('v2'))).status).toBe('retracted');
    await publishTestSnapshot(store, { version: 'v3', rows: makeRows(100, 2, 2), createdAt: '2026-11-25T03:00:00Z', latest: false });
    expect((await cache.handleNotification(attrs('v3'))).status).toBe('loaded');
  });

  it('reports a failed notification load as retryable only for store trouble', async () => {
    const store = new MemoryStore();
    const cache = new ScoreCache({ store, dataset: 'promo', retries: 0 });
    await publishTestSnapshot(store, { version: 'v1', rows: makeRows(100, 2), latest: false });
    store.onRead = () => new Error('connection reset');
    const out = await cache.handleNotification(attrs('v1'));
    expect(out).toMatchObject({ status: 'failed', retryable: true });
    store.onRead = null;
    expect((await cache.handleNotification(attrs('v1'))).status).toBe('loaded');
    expect(cache.metrics.render()).toMatch(/promoscore_snapshot_load_failures_total\{reason="store"\} 1/);
  });
});

describe('loadSnapshot on load workers', () => {
  const answers = (index: Awaited<ReturnType<typeof loadSnapshot>>['index'], rows: ReturnType<typeof makeRows>) =>
    [...expectedByKey(rows).keys()].map((k) => index.lookup(...(k.split('\u0000') as [string, string, string])));

  it('answers exactly as the main thread alone does, with buckets split over files and lanes', async () => {
    const store = new MemoryStore();
    // more rows than one 4096-row block of the index's row-to-chunk map, in 15 files
    const rows = makeRows(9000, 23);
    await publishTestSnapshot(store, { version: 'v1', rows, buckets: 5, filesPerBucket: 3 });
    const pool = workerLoadPool(2);
    try {
      const inline = await loadSnapshot(store, 'promo', 'v1');
      for (const mainThreadShare of [true, false]) {
        const shared = await loadSnapshot(store, 'promo', 'v1', { pool, mainThreadShare, concurrency: 4 });
        expect(shared.index.rows).toBe(rows.length);
        expect(shared.index.keys).toBe(inline.index.keys);
        expect(answers(shared.index, rows)).toEqual([...expectedByKey(rows).values()].map((l) => l.map(rowAnswer)));
      }
    } finally {
      await pool.close();
    }
  });

  it.each([
    ['a misfiled bucket', { mutate: (m: any) => { m.shards[0].bucket = (m.shards[0].bucket + 1) % m.buckets; } }, /hashes to bucket/],
    ['a flipped byte', { corrupt: (_f: string, b: Uint8Array) => { const c = new Uint8Array(b); c[c.length >> 1] ^= 1; return c; } }, /crc32c/],
  ])('refuses %s on a worker, then loads a good version with the same workers', async (_name, fault, message) => {
    const store = new MemoryStore();
    const pool = workerLoadPool(1);
    try {
      await publishTestSnapshot(store, { version: 'bad', rows: makeRows(400, 5), buckets: 4, filesPerBucket: 2, ...(fault as object) });
      await expect(loadSnapshot(store, 'promo', 'bad', { pool, mainThreadShare: false })).rejects.toThrow(message);
      const rows = makeRows(400, 6);
      await publishTestSnapshot(store, { version: 'good', rows, buckets: 4, filesPerBucket: 2 });
      const snap = await loadSnapshot(store, 'promo', 'good', { pool, mainThreadShare: false });
      expect(answers(snap.index, rows)).toEqual([...expectedByKey(rows).values()].map((l) => l.map(rowAnswer)));
    } finally {
      await pool.close();
    }
  });

  it('refuses a campaign listed twice for one key, also when the two rows sit in different files', async () => {
    const rows = makeRows(300, 9);
    const twice = [...rows, { ...rows[7] }];
    for (const pool of [null, workerLoadPool(1)]) {
      const store = new MemoryStore();
      await publishTestSnapshot(store, { version: 'v1', rows: twice, buckets: 2, filesPerBucket: 3 });
      await expect(loadSnapshot(store, 'promo', 'v1', { pool, mainThreadShare: false })).rejects.toThrow(/duplicate row/);
      await pool?.close();
    }
  });

  it('answers campaign and licensor ids exactly, non-ASCII ones too, on every repeat', async () => {
    const store = new MemoryStore();
    const rows = makeRows(200, 4).map((r, i) => (i % 3 === 0 ? { ...r, campaign_id: `kampanj-ö-${i % 5}`, licensor_id: `lic-日本-${i % 2}` } : r));
    await publishTestSnapshot(store, { version: 'v1', rows, buckets: 2 });
    const { index } = await loadSnapshot(store, 'promo', 'v1');
    const expected = [...expectedByKey(rows).values()].map((l) => l.map(rowAnswer));
    expect(answers(index, rows)).toEqual(expected);
    expect(answers(index, rows)).toEqual(expected);
  });
});

describe('ScoreIndex hot path', () => {
  it('find + accessors walk the same rows as lookup, best first', async () => {
    const store = new MemoryStore();
    const rows = makeRows(800, 17);
    await publishTestSnapshot(store, { version: 'v1', rows, buckets: 4, filesPerBucket: 3 });
    const { index } = await loadSnapshot(store, 'promo', 'v1');
    let multi = 0;
    for (const [k, list] of expectedByKey(rows)) {
      const [t, m, s] = k.split('\u0000');
      const seen: number[][] = [];
      for (let r = index.find(t, m, s); r !== -1; r = index.nextRow(r)) seen.push([index.boostOf(r), index.scoreOf(r), index.reasonOf(r)]);
      expect(seen).toEqual(list.map((x) => [x.boost, x.score, x.reason]));
      if (list.length > 1) multi++;
    }
    expect(multi).toBeGreaterThan(0);
    expect(index.find('absent', 'SE', 'radio')).toBe(-1);
  });
});

describe('ScoreCache load lanes', () => {
  it('starts load workers only for a snapshot large enough to pay for them, and keeps using them once started', async () => {
    const store = new MemoryStore();
    const rows = makeRows(2000, 3);
    await publishTestSnapshot(store, { version: 'v1', rows, buckets: 4, createdAt: '2026-11-25T01:00:00Z' });
    const small = new ScoreCache({ store, dataset: 'promo' });
    const large = new ScoreCache({ store, dataset: 'promo', workerMinRows: 1000, loadWorkers: 1 });
    try {
      expect((await small.loadLatest()).status).toBe('loaded');
      expect(small.current?.lanes).toBe(1);
      expect((await large.loadLatest()).status).toBe('loaded');
      expect(large.current?.lanes).toBe(2);
      for (const r of rows) expect(large.lookup(r.track_id, r.market, r.surface)).toEqual(small.lookup(r.track_id, r.market, r.surface));
      // a later version below the threshold still goes to the workers already running
      await publishTestSnapshot(store, { version: 'v2', rows: makeRows(300, 2, 1), createdAt: '2026-11-25T02:00:00Z' });
      expect((await large.loadLatest()).status).toBe('loaded');
      expect(large.current?.version).toBe('v2');
      expect(large.current?.lanes).toBe(2);
    } finally {
      await small.close();
      await large.close();
    }
  });
});
