/**
 * Subscribing to snapshot notifications (`pubsub://projects/P/subscriptions/S`), for serving caches.
 *
 * Each message's attributes are checked against the contract and handed to the callback; the
 * message is acked only after the callback's promise resolves, and nacked (redelivered) when it
 * rejects. Callbacks for one dataset (the ordering key) run one at a time, in delivery order.
 * A message that does not follow the contract is acked and reported: redelivering it cannot fix it.
 */
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import { InfraError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../observability/log.ts';
import type { NotificationAttributes } from '../port.ts';
import { toContractAttributes } from './attributes.ts';
import { grpcCodeOf, makePubSub, type PubSubClientOptions } from './client.ts';
import type { PubSubSubscriptionTarget } from '../../config/uri.ts';

export interface NotificationMeta {
  messageId: string;
  publishTime: Date;
  /** 1 on first delivery when the service reports attempts; otherwise 0 */
  deliveryAttempt: number;
}

export type NotificationHandler = (attributes: NotificationAttributes, meta: NotificationMeta) => Promise<void>;

export interface SubscribeOptions extends PubSubClientOptions {
  /** messages held at once (flow control, default 100) */
  maxMessages?: number;
  /** StreamingPull streams (default 1) */
  maxStreams?: number;
  logger?: Logger;
  /** called with a message that breaks the contract (it has been acked) */
  onInvalid?: (reason: string, attributes: Record<string, string>) => void;
  /** called when the subscription stream fails for good */
  onError?: (err: Error) => void;
  pubsub?: PubSub;
}

export interface NotificationSubscription {
  readonly uri: string;
  /** stops receiving, waits for running callbacks and flushes their acks */
  close(): Promise<void>;
}

/** Subscribes to the subscription config/uri.ts parsed from `pubsub://projects/P/subscriptions/S`. */
export async function subscribeNotifications(
  res: PubSubSubscriptionTarget,
  handler: NotificationHandler,
  opts: SubscribeOptions = {},
): Promise<NotificationSubscription> {
  const uri = res.uri;
  const log = opts.logger ?? silentLogger;
  const ownsClient = !opts.pubsub;
  const pubsub = opts.pubsub ?? makePubSub(res.project, opts);
  const subscription: Subscription = pubsub.subscription(res.name, {
    flowControl: { maxMessages: opts.maxMessages ?? 100, allowExcessMessages: false },
    streamingOptions: { maxStreams: opts.maxStreams ?? 1 },
  });

  // Fail fast on a wrong name or missing permission rather than on the first stream error.
  try {
    await subscription.getMetadata();
  } catch (err) {
    if (ownsClient) await pubsub.close().catch(() => undefined);
    const what = grpcCodeOf(err) === 5 ? 'does not exist' : `cannot be read: ${(err as Error).message}`;
    throw new InfraError(`subscription ${uri} ${what}`, { cause: err });
  }

  const chains = new Map<string, Promise<void>>();
  const running = new Set<Promise<void>>();

  const deliver = async (message: Message) => {
    let attrs: NotificationAttributes;
    try {
      attrs = toContractAttributes(message.attributes ?? {});
    } catch (err) {
      const reason = (err as Error).message;
      log.warn('notification does not follow the contract; acked and dropped', { subscription: res.name, message_id: message.id, reason });
      opts.onInvalid?.(reason, { ...(message.attributes ?? {}) });
      message.ack();
      return;
    }
    try {
      await handler(attrs, {
        messageId: message.id,
        publishTime: new Date(message.publishTime.getTime()),
        deliveryAttempt: message.deliveryAttempt ?? 0,
      });
      message.ack();
    } catch (err) {
      log.warn('notification handler failed; message will be redelivered', {
        subscription: res.name,
        dataset: attrs.dataset,
        version: attrs.version,
        error: (err as Error)?.message ?? String(err),
      });
      message.nack();
    }
  };

  let closing = false;
  subscription.on('message', (message: Message) => {
    // Arriving while closing: hand it back at once rather than hold its lease.
    if (closing) return message.nack();
    const key = message.orderingKey || message.attributes?.dataset || '';
    const prev = chains.get(key) ?? Promise.resolve();
    const next = prev.then(() => deliver(message));
    chains.set(key, next);
    running.add(next);
    void next.finally(() => {
      running.delete(next);
      if (chains.get(key) === next) chains.delete(key);
    });
  });
  subscription.on('error', (err: Error) => {
    log.error('notification subscription failed', { subscription: res.name, error: err.message });
    opts.onError?.(err);
  });

  return {
    uri,
    async close() {
      if (closing) return;
      closing = true;
      await Promise.allSettled([...running]);
      try {
        await subscription.close();
      } finally {
        if (ownsClient) await pubsub.close();
      }
    },
  };
}
