import { describe, expect, it } from 'vitest';
import { createPubSubNotifier } from '../../src/notify/pubsub/notifier.ts';
import { ScoreCache } from '../../src/serving/loader.ts';
import { pubsubSource } from '../../src/notify/pubsub/source.ts';
import { followNotifications } from '../../src/serving/reload.ts';
import { openPubSubTarget } from '../gcp-notify/target.ts';
import { MemoryStore, makeRows, publishWithWriter } from './support.ts';
import { cleanupsAfterEach, eventually } from '../support/wait.ts';

const cleanups = cleanupsAfterEach();

describe('reloads from a Pub/Sub subscription (gRPC double)', () => {
  it('acks each notification only after the swap, and nacks a load the store failed so it comes back', async () => {
    // the double: this reads the service's ack log, which only the double exposes
    const target = await openPubSubTarget({ forceDouble: true });
    cleanups.push(() => target.close());
    const t = await target.makeTopic();
    const notifier = createPubSubNotifier(t.topicTarget, { apiEndpoint: target.apiEndpoint });
    cleanups.push(() => notifier.close());
    const store = new MemoryStore();
    // the cache reads through a view of the store whose reads of v2 can be made to fail
    let failing = false;
    const view = new Proxy(store, {
      get(target, key) {
        if (key === 'read') {
          return async (p: string) => {
            if (failing && p.includes('/v2/')) throw new Error('503 from the store');
            return target.read(p);
          };
        }
        const v = Reflect.get(target, key);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const cache = new ScoreCache({ store: view, dataset: 'promo', retries: 0 });
    const swapsAtAck: string[] = [];
    const source = pubsubSource(t.subscriptionTarget, { apiEndpoint: target.apiEndpoint });
    const reloader = await followNotifications(cache, {
      start: (handler) =>
        source.start((m) =>
          handler({
            attributes: m.attributes,
            ack: () => {
              swapsAtAck.push(`${m.attributes.version}:${cache.current?.version}`);
              m.ack();
            },
            nack: () => m.nack(),
          }),
        ),
      close: () => source.close(),
    });
    cleanups.push(() => reloader.stop());

    await publishWithWriter(store, notifier, { version: 'v1', asOf: '2026-11-24', rows: makeRows(200, 1) });
    await eventually(() => cache.current?.version === 'v1', 'v1 loaded');
    await eventually(() => target.double!.acked(t.subscription).length === 1, 'v1 acked');

    // the store fails while v2 is announced: nacked, redelivered, loaded once the store recovers
    failing = true;
    await publishWithWriter(store, notifier, { version: 'v2', asOf: '2026-11-25', rows: makeRows(200, 1, 1) });
    await eventually(() => cache.metrics.loadFailures.get({ reason: 'store' }) >= 1, 'a failed load');
    expect(target.double!.acked(t.subscription)).toHaveLength(1);
    expect(cache.current?.version).toBe('v1');
    failing = false;
    await eventually(() => cache.current?.version === 'v2', 'v2 after redelivery');
    await eventually(() => target.double!.acked(t.subscription).length === 2, 'v2 acked');
    expect(swapsAtAck).toEqual(['v1:v1', 'v2:v2']);
  });
});
