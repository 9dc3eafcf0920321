/**
 * The Pub/Sub notifier (`pubsub://projects/P/topics/T`) over @google-cloud/pubsub 5.3.x.
 *
 * One message per call: attributes exactly the contract's, ordering key = dataset (the topic is
 * opened with `messageOrdering: true`), data = the same attributes as canonical JSON for consumers
 * that only see bodies (push endpoints, BigQuery subscriptions). publish() resolves with the
 * message id once the service acknowledged it. Retryable failures are retried here with backoff;
 * a failed ordered publish pauses its key inside the client, so every failure is followed by
 * `topic.resumePublishing(key)`. What still fails surfaces as InfraError (exit 5): the snapshot is
 * published, and a rerun sends the notification again (delivery is at least once).
 */
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { InfraError, UsageError } from '../../core/errors.ts';
import { canonicalJson } from '../../core/hash.ts';
import { retry } from '../../core/retry.ts';
import { silentLogger, type Logger } from '../../observability/log.ts';
import type { NotificationAttributes, Notifier } from '../port.ts';
import { InvalidNotificationError, toContractAttributes } from './attributes.ts';
import { grpcCodeOf, isRetryableGrpc, makePubSub, type PubSubClientOptions } from './client.ts';
import type { PubSubTopicTarget } from '../../config/uri.ts';

export interface PubSubNotifierOptions extends PubSubClientOptions {
  /** deadline of one Publish RPC (default 30 s) */
  publishTimeoutMs?: number;
  /** total publish attempts (default 5) */
  attempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  logger?: Logger;
  /** a ready client (shared, or for tests) */
  pubsub?: PubSub;
}

/** A notifier on the topic config/uri.ts parsed from `pubsub://projects/P/topics/T`. */
export function createPubSubNotifier(topicRes: PubSubTopicTarget, opts: PubSubNotifierOptions = {}): Notifier {
  const uri = topicRes.uri;
  const attempts = opts.attempts ?? 5;
  const initialDelayMs = opts.initialDelayMs ?? 200;
  const maxDelayMs = opts.maxDelayMs ?? 5000;
  const log = opts.logger ?? silentLogger;
  const ownsClient = !opts.pubsub;
  const pubsub = opts.pubsub ?? makePubSub(topicRes.project, opts);
  const topic: Topic = pubsub.topic(topicRes.name, {
    messageOrdering: true,
    // One RPC per attempt with its own deadline; the retry loop below decides about the next.
    gaxOpts: { timeout: opts.publishTimeoutMs ?? 30_000, retry: null },
  });
  let closed = false;

  return {
    uri,

    async publish(attributes: NotificationAttributes): Promise<string> {
      if (closed) throw new InfraError(`notifier ${uri} is closed`);
      let attrs: NotificationAttributes;
      try {
        attrs = toContractAttributes(attributes as unknown as Record<string, unknown>);
      } catch (err) {
        if (err instanceof InvalidNotificationError) throw new UsageError(`notification for ${uri}: ${err.message}`);
        throw err;
      }
      const key = attrs.dataset;
      const message = {
        data: Buffer.from(canonicalJson(attrs), 'utf8'),
        attributes: { ...attrs } as Record<string, string>,
        orderingKey: key,
      };
      let attempted = 0;
      try {
        return await retry({ attempts, initialDelayMs, maxDelayMs }, () => topic.publishMessage(message), {
          retryable: isRetryableGrpc,
          onFailure(err, attempt, willRetry) {
            attempted = attempt;
            // The client holds back every later message of this key until told to resume.
            topic.resumePublishing(key);
            const fields = { topic: topicRes.name, dataset: key, version: attrs.version, attempt, code: grpcCodeOf(err) };
            if (willRetry) log.warn('notification publish failed, retrying', fields);
            else log.error('notification not published', fields);
          },
        });
      } catch (err) {
        throw new InfraError(
          `publishing ${attrs.event} of ${key}/${attrs.version} to ${uri} failed after ${attempted} attempt(s): ${describe(err)}`,
          { cause: err },
        );
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        await topic.flush();
      } finally {
        if (ownsClient) await pubsub.close();
      }
    },
  };
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; details?: unknown; message?: unknown };
  const code = typeof e?.code === 'number' ? `gRPC ${e.code}: ` : '';
  return `${code}${typeof e?.details === 'string' && e.details ? e.details : String(e?.message ?? err)}`;
}
