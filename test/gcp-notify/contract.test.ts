import type { Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll } from 'vitest';
import { createPubSubNotifier } from '../../src/notify/pubsub/notifier.ts';
import type { Notifier } from '../../src/notify/port.ts';
import { notifierContract, type ReceivedMessage } from '../contracts/notifier.contract.ts';
import { openPubSubTarget, type PubSubTarget } from './target.ts';
import { eventually } from '../support/wait.ts';

let target: PubSubTarget;
beforeAll(async () => {
  target = await openPubSubTarget();
});
afterAll(async () => {
  await target?.close();
});

notifierContract('pubsub://', async () => {
  const t = await target.makeTopic();
  const inner = createPubSubNotifier(t.topicTarget, { apiEndpoint: target.apiEndpoint, initialDelayMs: 5 });
  let accepted = 0;
  const notifier: Notifier = {
    uri: inner.uri,
    async publish(a) {
      const id = await inner.publish(a);
      accepted++;
      return id;
    },
    close: () => inner.close(),
  };
  // A raw subscriber: the contract compares the attributes exactly as they travel.
  const received: ReceivedMessage[] = [];
  const sub = target.admin.subscription(t.subscription, { streamingOptions: { maxStreams: 1 } });
  sub.on('message', (m: Message) => {
    received.push({ id: m.id, attributes: { ...m.attributes }, orderingKey: m.orderingKey || undefined });
    m.ack();
  });
  return {
    notifier,
    async readBack() {
      await eventually(() => received.length >= accepted, `${accepted} deliveries on ${t.subscription}`);
      return [...received];
    },
    async cleanup() {
      await sub.close();
    },
  };
});
