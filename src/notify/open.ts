import { parseNotifyUri, parseSubscriptionUri } from '../config/uri.ts';
import type { Logger } from '../observability/log.ts';
import { OutboxNotifier } from './outbox/notifier.ts';
import { OutboxSource } from './outbox/source.ts';
import type { NotificationSource, Notifier } from './port.ts';

export const DEFAULT_NOTIFY_URI = 'file://./.promoscore/outbox.ndjson';

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
export async function openNotificationSource(
  uri: string,
  opts: { flag?: string; intervalMs: number; logger: Logger },
): Promise<NotificationSource> {
  const target = parseSubscriptionUri(uri, { flag: opts.flag ?? '--subscription' });
  if (target.kind === 'file') {
    return new OutboxSource(target.path, { intervalMs: opts.intervalMs, onError: (err) => opts.logger.warn(err.message) });
  }
  // loaded on demand, as for the notifier
  const { pubsubSource } = await import('./pubsub/source.ts');
  return pubsubSource(target, { logger: opts.logger });
}
