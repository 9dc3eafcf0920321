/**
 * The notification subscriber (serving caches' side): contract attributes in, ack only after the
 * callback resolved, redelivery after a failure, one dataset at a time, junk acked and reported.
 * Runs against the double, or an emulator/real Pub/Sub when configured (see target.ts); the
 * tests that read the service's ack log always use the double.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfraError } from '../../src/core/errors.ts';
import type { NotificationAttributes } from '../../src/notify/port.ts';
import { createPubSubNotifier } from '../../src/notify/pubsub/notifier.ts';
import { subscribeNotifications, type NotificationMeta } from '../../src/notify/pubsub/subscription.ts';
import { openPubSubTarget, subscriptionTarget, type PubSubTarget } from './target.ts';
import { eventually } from '../support/wait.ts';

let target: PubSubTarget;
let dbl: PubSubTarget;
beforeAll(async () => {
  target = await openPubSubTarget();
  dbl = await openPubSubTarget({ forceDouble: true });
});
afterAll(async () => {
  await target?.close();
  await dbl?.close();
});

const attrs = (version: string, dataset = 'promo_scores'): NotificationAttributes => ({
  dataset,
  version,
  manifest_uri: `gs://bucket/${dataset}/versions/${version}/manifest.json`,
  as_of: '2026-11-25',
  rows: '1000',
  event: 'published',
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('notification subscription', () => {
  it('a subscriber receives exactly the contract attributes the notifier sent', async () => {
    const t = await target.makeTopic();
    const got: { a: NotificationAttributes; meta: NotificationMeta }[] = [];
    const sub = await subscribeNotifications(t.subscriptionTarget, async (a, meta) => void got.push({ a, meta }), { apiEndpoint: target.apiEndpoint });
    const notifier = createPubSubNotifier(t.topicTarget, { apiEndpoint: target.apiEndpoint });
    const id = await notifier.publish(attrs('20261125-0001'));
    await eventually(() => got.length === 1, 'one notification');
    await sub.close();
    await notifier.close();
    expect(got[0].a).toEqual(attrs('20261125-0001'));
    expect(Object.keys(got[0].a).sort()).toEqual(['as_of', 'dataset', 'event', 'manifest_uri', 'rows', 'version']);
    expect(got[0].meta.messageId).toBe(id);
    expect(got[0].meta.publishTime).toBeInstanceOf(Date);
  });

  it('acks only after the callback resolved', async () => {
    const d = dbl.double!;
    const t = await dbl.makeTopic();
    const gate = deferred();
    let entered = 0;
    const sub = await subscribeNotifications(
      t.subscriptionTarget,
      async () => {
        entered++;
        await gate.promise;
      },
      { apiEndpoint: dbl.apiEndpoint },
    );
    const notifier = createPubSubNotifier(t.topicTarget, { apiEndpoint: dbl.apiEndpoint });
    const id = await notifier.publish(attrs('v1'));
    await eventually(() => entered === 1, 'the callback to start');
    // the client batches acks for up to 100 ms: give an early ack every chance to show up
    await new Promise((r) => setTimeout(r, 300));
    expect(d.acked(t.subscription)).toEqual([]);
    gate.resolve();
    await eventually(() => d.acked(t.subscription).length === 1, 'the ack');
    expect(d.acked(t.subscription)).toEqual([id]);
    await sub.close();
    await notifier.close();
  });

  it('a failed callback gets the message again, which is acked once it succeeds', async () => {
    const t = await dbl.makeTopic();
    const seen: string[] = [];
    let fail = true;
    const sub = await subscribeNotifications(
      t.subscriptionTarget,
      async (a) => {
        seen.push(a.version);
        if (fail) {
          fail = false;
          throw new Error('cache reload failed');
        }
      },
      { apiEndpoint: dbl.apiEndpoint },
    );
    const notifier = createPubSubNotifier(t.topicTarget, { apiEndpoint: dbl.apiEndpoint });
    const id = await notifier.publish(attrs('v7'));
    await eventually(() => seen.length === 2, 'the redelivery');
    expect(seen).toEqual(['v7', 'v7']);
    await eventually(() => dbl.double!.acked(t.subscription).length === 1, 'one ack');
    expect(dbl.double!.acked(t.subscription)).toEqual([id]);
    await sub.close();
    await notifier.close();
  });

  it('runs one dataset at a time, in order, while other datasets proceed', async () => {
    const t = await target.makeTopic();
    const log: string[] = [];
    const gateA1 = deferred();
    const sub = await subscribeNotifications(
      t.subscriptionTarget,
      async (a) => {
        log.push(`start ${a.dataset}/${a.version}`);
        if (a.dataset === 'a' && a.version === 'v1') await gateA1.promise;
        log.push(`end ${a.dataset}/${a.version}`);
      },
      { apiEndpoint: target.apiEndpoint },
    );
    const notifier = createPubSubNotifier(t.topicTarget, { apiEndpoint: target.apiEndpoint });
    await notifier.publish(attrs('v1', 'a'));
    await notifier.publish(attrs('v2', 'a'));
    await notifier.publish(attrs('v3', 'a'));
    await notifier.publish(attrs('v1', 'b'));
    await eventually(() => log.includes('end b/v1'), 'dataset b to pass dataset a');
    expect(log).not.toContain('start a/v2');
    gateA1.resolve();
    await eventually(() => log.includes('end a/v3'), 'dataset a to finish');
    const a = log.filter((l) => l.includes(' a/'));
    expect(a).toEqual(['start a/v1', 'end a/v1', 'start a/v2', 'end a/v2', 'start a/v3', 'end a/v3']);
    await sub.close();
    await notifier.close();
  });

  it('acks and reports a message that breaks the contract, without calling back', async () => {
    const t = await dbl.makeTopic();
    const invalid: string[] = [];
    let called = 0;
    const sub = await subscribeNotifications(t.subscriptionTarget, async () => void called++, {
      apiEndpoint: dbl.apiEndpoint,
      onInvalid: (reason) => invalid.push(reason),
    });
    const topic = dbl.admin.topic(t.topic);
    await topic.publishMessage({ attributes: { dataset: 'x', version: 'v1' } });
    await topic.publishMessage({ attributes: { ...attrs('v2'), event: 'exploded' } });
    await eventually(() => invalid.length === 2, 'two invalid messages');
    expect(invalid[0]).toMatch(/"manifest_uri" is missing/);
    expect(invalid[1]).toMatch(/"event"/);
    expect(called).toBe(0);
    await eventually(() => dbl.double!.acked(t.subscription).length === 2, 'both acked');
    await sub.close();
  });

  it('fails fast with InfraError on a subscription that does not exist', async () => {
    const err = await subscribeNotifications(subscriptionTarget(`pubsub://projects/${target.project}/subscriptions/nope-nope`), async () => {}, {
      apiEndpoint: target.apiEndpoint,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect((err as Error).message).toContain('does not exist');
  });
});

describe('notification subscription under stream faults', () => {
  it('keeps receiving after the stream is cut, and loses nothing', async () => {
    const t = await dbl.makeTopic();
    const seen = new Set<string>();
    // the first stream breaks after one response; the client reconnects and leases come back
    dbl.double!.addFault({ method: 'StreamingPull', nth: 1, afterResponses: 1, code: 14 });
    const sub = await subscribeNotifications(t.subscriptionTarget, async (a) => void seen.add(a.version), { apiEndpoint: dbl.apiEndpoint });
    const notifier = createPubSubNotifier(t.topicTarget, { apiEndpoint: dbl.apiEndpoint });
    for (let i = 0; i < 5; i++) await notifier.publish(attrs(`v${i}`));
    await eventually(() => seen.size === 5, 'all five versions');
    const streams = dbl.double!.calls.filter((c) => c.method === 'StreamingPull');
    expect(streams.length).toBeGreaterThanOrEqual(2);
    await sub.close();
    await notifier.close();
  });
});
