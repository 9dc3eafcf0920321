import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScoreCache } from '../../src/serving/loader.ts';
import { OutboxSource } from '../../src/notify/outbox/source.ts';
import type { NotificationMessage } from '../../src/notify/port.ts';
import { pollLatest } from '../../src/serving/reload.ts';
import { MemoryStore, makeRows, publishTestSnapshot } from './support.ts';
import { cleanupsAfterEach, eventually } from '../support/wait.ts';

const cleanups = cleanupsAfterEach();

describe('pollLatest', () => {
  it('retries a load the store failed, without a new LATEST', async () => {
    const store = new MemoryStore();
    await publishTestSnapshot(store, { version: 'v1', rows: makeRows(50, 1) });
    let fail = true;
    store.onRead = (p) => (fail && p.endsWith('.arrow') ? new Error('timeout') : null);
    const cache = new ScoreCache({ store, dataset: 'promo', retries: 0, verifyInWorker: false });
    expect((await cache.loadLatest()).status).toBe('failed');
    const poller = pollLatest(cache, 10);
    cleanups.push(() => poller.stop());
    await eventually(() => cache.metrics.loadFailures.get({ reason: 'store' }) >= 2, 'a retry');
    fail = false;
    await eventually(() => cache.ready, 'the load to succeed');
    expect(cache.current?.version).toBe('v1');
  });
});

describe('OutboxSource', () => {
  it('delivers whole lines only, in order, and redelivers a nacked message', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promoscore-outbox-src-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'outbox.ndjson');
    await writeFile(file, JSON.stringify({ attributes: { version: 'old' } }) + '\n');
    const seen: string[] = [];
    let nackOnce = true;
    const src = new OutboxSource(file, { intervalMs: 10 });
    await src.start(async (m: NotificationMessage) => {
      seen.push(String(m.attributes.version));
      if (m.attributes.version === 'b' && nackOnce) {
        nackOnce = false;
        m.nack();
      } else m.ack();
    });
    cleanups.push(() => src.close());
    const line = (v: string) => JSON.stringify({ attributes: { version: v } }) + '\n';
    await appendFile(file, line('a') + line('b').slice(0, 10)); // b is half written
    await eventually(() => seen.includes('a'), 'a');
    await appendFile(file, line('b').slice(10) + line('c'));
    await eventually(() => seen.includes('c'), 'c');
    expect(seen).toEqual(['a', 'b', 'b', 'c']); // starts at the end of the file: "old" is history
  });
});
