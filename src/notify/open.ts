import { parseNotifyUri, parseSubscriptionUri } from '../config/uri.ts';
import type { Logger } from '../observability/log.ts';
import { OutboxNotifier } from './outbox/notifier.ts';
import { OutboxSource } from './outbox/source.ts';
import type { NotificationSource, Notifier } from './port.ts';

/** Opens the notifier a URI names: `file://PATH.ndjson` (local outbox) or `pubsub://projects/P/topics/T`. */
export async function openNotifier(uri: string, opts: { flag?: string } = {}): Promise<Notifier> {
  const target = parseNotifyUri(uri, { flag: opts.flag ?? '--notify' });
  if (target.kind === 'pubsub-topic') {
    // loaded on demand: the local path never pays for the Pub/Sub client
    const { createPubSubNotifier } = await import('./pubsub/notifier.ts');
    return createPubSubNotifier(target);
  }
  return new OutboxNotifier(target.path);
}

/**
 * Opens the notification source a subscription URI names: the local outbox, tailed every
 * `intervalMs`, or `pubsub://projects/P/subscriptions/S`.
 */
export interface SourceOptions {
  flag?: string;
  intervalMs: number;
  logger: Logger;
  /** called when the source stops delivering for good (a deleted subscription, a revoked permission) */
  onError?: (err: Error) => void;
}

export async function openNotificationSource(uri: string, opts: SourceOptions): Promise<NotificationSource> {
  const target = parseSubscriptionUri(uri, { flag: opts.flag ?? '--subscription' });
  if (target.kind === 'file') return outboxSource(target.path, opts);
  // loaded on demand, as for the notifier
  const { pubsubSource } = await import('./pubsub/source.ts');
  return pubsubSource(target, { logger: opts.logger, onError: opts.onError });
}

function outboxSource(path: string, opts: SourceOptions): NotificationSource {
  return new OutboxSource(path, {
    intervalMs: opts.intervalMs,
    onError: (err) => {
      opts.logger.warn(err.message);
      opts.onError?.(err);
    },
  });
}

export interface TopicSource {
  source: NotificationSource;
  /** what is followed: the replica's own subscription, or the outbox file */
  subscription: string;
  /** deletes the replica's own subscription (a clean shutdown) */
  remove(): Promise<void>;
}

/**
 * Opens a source that sees every message of a topic, for one replica of a fleet: for
 * `pubsub://projects/P/topics/T` a subscription of the replica's own, created (or taken over after a
 * restart) here; for the local outbox the file itself (every reader sees every line).
 */
export async function openTopicSource(uri: string, opts: SourceOptions & { replica: string }): Promise<TopicSource> {
  const target = parseNotifyUri(uri, { flag: opts.flag ?? '--topic' });
  if (target.kind === 'file') return { source: outboxSource(target.path, opts), subscription: target.uri, remove: async () => {} };
  const { ensureReplicaSubscription, deleteReplicaSubscription } = await import('./pubsub/replica-subscription.ts');
  const { pubsubSource } = await import('./pubsub/source.ts');
  const sub = await ensureReplicaSubscription(target, opts.replica);
  return {
    source: pubsubSource(sub, { logger: opts.logger, onError: opts.onError }),
    subscription: sub.uri,
    remove: () => deleteReplicaSubscription(sub),
  };
}
