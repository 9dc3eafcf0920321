import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ScoreCache } from '../../src/serving/loader.ts';
import { rollback } from '../../src/snapshot/rollback.ts';
import { LocalStore } from '../../src/store/local/store.ts';
import { MemoryNotifier, expectedByKey, makeRows, publishWithWriter, rowAnswer } from './support.ts';

const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});

async function localStore(): Promise<LocalStore> {
  const dir = await mkdtemp(join(tmpdir(), 'promoscore-serving-e2e-'));
  dirs.push(dir);
  return new LocalStore(dir);
}

describe('serving snapshots written by the project writer and publisher', () => {
  it('loads a published snapshot and answers every key exactly', async () => {
    const store = await localStore();
    const notifier = new MemoryNotifier();
    const rows = makeRows(2500, 31);
    await publishWithWriter(store, notifier, { version: 'v20261125', asOf: '2026-11-25', rows, buckets: 16 });
    const cache = new ScoreCache({ store, dataset: 'promo' });
    expect((await cache.loadLatest()).status).toBe('loaded');
    const expected = expectedByKey(rows);
    expect(cache.current!.index.keys).toBe(expected.size);
    for (const [k, list] of expected) {
      const [t, m, s] = k.split('\u0000');
      expect(cache.lookup(t, m, s)).toEqual({ version: 'v20261125', rows: list.map(rowAnswer) });
    }
  });

  it('follows the publisher notifications forward, and a real rollback back', async () => {
    const store = await localStore();
    const notifier = new MemoryNotifier();
    const cache = new ScoreCache({ store, dataset: 'promo' });
    const rows = [makeRows(300, 4, 0), makeRows(300, 4, 1), makeRows(300, 4, 2)];
    for (const [i, asOf] of ['2026-11-23', '2026-11-24', '2026-11-25'].entries()) {
      await publishWithWriter(store, notifier, { version: `v${i}`, asOf, rows: rows[i] });
    }
    expect(notifier.sent.map((n) => n.event)).toEqual(['published', 'published', 'published']);
    // delivered out of order and twice
    const outcomes = [];
    for (const i of [1, 2, 0, 2, 1]) outcomes.push((await cache.handleNotification(notifier.sent[i])).status);
    expect(outcomes).toEqual(['loaded', 'loaded', 'older', 'duplicate', 'older']);
    await rollback({ store, notifier, dataset: 'promo', to: 'v1' });
    const rb = notifier.sent.at(-1)!;
    expect(rb).toMatchObject({ event: 'rolled_back', version: 'v1' });
    expect((await cache.handleNotification(rb)).status).toBe('loaded');
    expect((await cache.handleNotification(notifier.sent[2])).status).toBe('retracted');
    const r = rows[1][0];
    expect(cache.lookup(r.track_id, r.market, r.surface)!.rows).toEqual(expectedByKey(rows[1]).get(`${r.track_id}\u0000${r.market}\u0000${r.surface}`)!.map(rowAnswer));
    // a poller following LATEST agrees
    const poller = new ScoreCache({ store, dataset: 'promo' });
    await poller.loadLatest();
    expect(poller.current?.version).toBe('v1');
  });
});
