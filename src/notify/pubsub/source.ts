import type { PubSubSubscriptionTarget } from '../../config/uri.ts';
import { subscribeNotifications, type NotificationSubscription, type SubscribeOptions } from './subscription.ts';
import type { NotificationSource } from '../port.ts';

/**
 * A Pub/Sub subscription as a NotificationSource, over the project's subscriber (which checks the
 * attributes against the contract, runs one dataset's messages in order, and acks when the handler
 * resolves). Our verdict maps onto it: ack → resolve, nack → reject (redelivered).
 */
export function pubsubSource(target: PubSubSubscriptionTarget, opts: SubscribeOptions = {}): NotificationSource {
  let sub: NotificationSubscription | null = null;
  return {
    async start(handler) {
      sub = await subscribeNotifications(
        target,
        async (attributes) => {
          let verdict: 'ack' | 'nack' | null = null;
          await handler({ attributes, ack: () => (verdict ??= 'ack'), nack: () => (verdict ??= 'nack') });
          if (verdict === 'nack') throw new Error(`snapshot ${attributes.version} not loaded yet; redeliver`);
        },
        opts,
      );
    },
    async close() {
      await sub?.close();
    },
  };
}
