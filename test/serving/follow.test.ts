/**
 * Following notifications without dying silently, with a scripted source (no Pub/Sub needed):
 * the slow safety-net poll of LATEST, and the fallback when the source fails.
 */
import { describe, expect, it } from 'vitest';
import type { NotificationMessage, NotificationSource } from '../../src/notify/port.ts';
import { followWithFallback } from '../../src/serving/follow.ts';
import { ScoreCache } from '../../src/serving/loader.ts';
import { MemoryStore, makeRows, moveLatest, publishTestSnapshot } from './support.ts';
import { cleanupsAfterEach, eventually } from '../support/wait.ts';

const cleanups = cleanupsAfterEach();

/** A source that delivers what the test hands it, and can be made to fail or refuse to open. */
function scriptedSource() {
  const s = {
    opened: 0,
    refuse: false,
    handler: null as ((m: NotificationMessage) => Promise<void>) | null,
    failed: null as ((err: Error) => void) | null,
    async open(failed: (err: Error) => void): Promise<{ source: NotificationSource; subscription: string }> {
      if (s.refuse) throw new Error('NOT_FOUND: subscription does not exist');
      s.opened++;
      s.failed = failed;
      return {
        subscription: 'pubsub://projects/p-test-1/subscriptions/s',
        source: { start: (h) => void (s.handler = h), close: async () => {} },
      };
    },
  };
  return s;
}

async function cacheWith(versions: string[]) {
  const store = new MemoryStore();
  for (const [i, v] of versions.entries()) {
    await publishTestSnapshot(store, { version: v, rows: makeRows(30, 1, i), createdAt: `2026-11-2${i + 1}T01:00:00Z`, latest: false });
  }
  await moveLatest(store, 'promo', versions[0]);
  const cache = new ScoreCache({ store, dataset: 'promo', verifyInWorker: false });
  cleanups.push(() => cache.close());
  await cache.loadLatest();
  return { store, cache };
}

describe('followWithFallback', () => {
  it('catches a version whose notification never came, on the slow safety-net poll', async () => {
    const { store, cache } = await cacheWith(['v1', 'v2']);
    const src = scriptedSource();
    const follower = await followWithFallback(cache, { open: src.open, pollMs: 10, safetyPollMs: 200 });
    cleanups.push(() => follower.stop());
    expect(cache.metrics.latestPollIntervalMs).toBe(200);
    await moveLatest(store, 'promo', 'v2'); // and no message
    await eventually(() => cache.current?.version === 'v2', 'v2 from LATEST');
    expect(cache.metrics.notificationSource?.state).toBe('up');
  });

  it('a failed source: status, last_error and metrics say so, LATEST is polled fast, the source is reopened with backoff', async () => {
    const { store, cache } = await cacheWith(['v1', 'v2']);
    const src = scriptedSource();
    const follower = await followWithFallback(cache, { open: src.open, pollMs: 10, safetyPollMs: 3_600_000, retryMinMs: 20, retryMaxMs: 40 });
    cleanups.push(() => follower.stop());
    src.refuse = true;
    src.failed!(new Error('5 NOT_FOUND: Subscription does not exist'));
    const state = cache.metrics.notificationSource!;
    expect(state).toMatchObject({ state: 'down', failures: 1, subscription: 'pubsub://projects/p-test-1/subscriptions/s' });
    expect(state.error).toMatch(/NOT_FOUND/);
    expect(cache.lastError?.message).toMatch(/notification subscription .* failed: 5 NOT_FOUND/);
    expect(cache.metrics.render()).toMatch(/^promoscore_notification_source_up 0$/m);
    expect(cache.metrics.latestPollIntervalMs).toBe(10);
    await moveLatest(store, 'promo', 'v2');
    await eventually(() => cache.current?.version === 'v2', 'v2 by polling while down');
    await new Promise((r) => setTimeout(r, 150)); // several refused reopen attempts
    expect(src.opened).toBe(1);
    src.refuse = false;
    await eventually(() => state.state === 'up', 'the source reopened');
    expect(src.opened).toBe(2);
    expect(cache.metrics.latestPollIntervalMs).toBe(3_600_000);
    expect(cache.metrics.render()).toMatch(/^promoscore_notification_source_failures_total 1$/m);
    // the reopened source delivers: a failure of the old one is no longer news
    await src.handler!({ attributes: { dataset: 'promo', version: 'v1', event: 'rolled_back', as_of: '2026-11-21' }, ack() {}, nack() {} });
    expect(cache.current?.version).toBe('v1');
  });

  it('LATEST moving back while polled retracts the newer version, so its redelivered message cannot bring it back', async () => {
    const { store, cache } = await cacheWith(['v1', 'v2']);
    await moveLatest(store, 'promo', 'v2');
    await cache.loadLatest();
    await moveLatest(store, 'promo', 'v1'); // a rollback whose message was lost
    await cache.loadLatest();
    expect(cache.current?.version).toBe('v1');
    const outcome = await cache.handleNotification({ dataset: 'promo', version: 'v2', event: 'published', as_of: '2026-11-22' });
    expect(outcome.status).toBe('retracted');
    expect(cache.current?.version).toBe('v1');
  });
});
