import { UsageError } from '../core/errors.ts';
import { fileUriToDir } from '../store/open.ts';
import { OutboxNotifier } from './outbox.ts';
import type { Notifier } from './port.ts';

export const DEFAULT_NOTIFY_URI = 'file://./.promoscore/outbox.ndjson';

/** Opens the notifier a URI names: `file://PATH.ndjson` (local outbox) or `pubsub://projects/P/topics/T`. */
export async function openNotifier(uri: string): Promise<Notifier> {
  if (uri.startsWith('file://')) {
    const path = fileUriToDir(uri, '--notify');
    if (!path.endsWith('.ndjson')) throw new UsageError(`--notify "${uri}": a local outbox must be a file://PATH.ndjson`);
    return new OutboxNotifier(path);
  }
  if (uri.startsWith('pubsub://')) {
    // loaded on demand: the local path never pays for the Pub/Sub client
    const { createPubSubNotifier } = await import('./pubsub.ts');
    return createPubSubNotifier(uri);
  }
  throw new UsageError(`--notify "${uri}": unknown scheme (expected file://PATH.ndjson or pubsub://projects/P/topics/T)`);
}
