import { parseNotifyUri } from '../config/uri.ts';
import { OutboxNotifier } from './outbox/notifier.ts';
import type { Notifier } from './port.ts';

export const DEFAULT_NOTIFY_URI = 'file://./.promoscore/outbox.ndjson';

/** Opens the notifier a URI names: `file://PATH.ndjson` (local outbox) or `pubsub://projects/P/topics/T`. */
export async function openNotifier(uri: string, opts: { flag?: string } = {}): Promise<Notifier> {
  const target = parseNotifyUri(uri, { flag: opts.flag ?? '--notify' });
  if (target.kind === 'pubsub-topic') {
    // loaded on demand: the local path never pays for the Pub/Sub client
    const { createPubSubNotifier } = await import('./pubsub/notifier.ts');
    return createPubSubNotifier(target.uri);
  }
  return new OutboxNotifier(target.path);
}
