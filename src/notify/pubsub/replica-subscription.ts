/**
 * A serving replica's own subscription to the snapshots topic (fan-out: Pub/Sub gives each message
 * of one subscription to one consumer, so a fleet sharing a subscription would have one replica
 * reload and the others not).
 *
 * Created at start with message ordering (one dataset's messages in order), a short retention (the
 * message only says "LATEST moved"; LATEST itself is the history) and an expiration policy, so the
 * subscription of a replica that crashed disappears by itself; deleted on a clean shutdown. The id
 * is `<topic>-serve-<replica>`: the prefix is what IAM grants are conditioned on (docs/deploy.md).
 */
import type { PubSub } from '@google-cloud/pubsub';
import { InfraError, UsageError } from '../../core/errors.ts';
import { parseSubscriptionUri, type PubSubSubscriptionTarget, type PubSubTopicTarget } from '../../config/uri.ts';
import { grpcCodeOf, makePubSub, type PubSubClientOptions } from './client.ts';

/** Pub/Sub's shortest expiration policy: a day without a subscriber. */
export const REPLICA_SUBSCRIPTION_TTL_SECONDS = 24 * 3600;
/** Pub/Sub's shortest retention: a message older than this was caught by polling LATEST anyway. */
const RETENTION_SECONDS = 600;
const ACK_DEADLINE_SECONDS = 60;
const ID_CHARS = /[^A-Za-z0-9\-_.~+%]/g;

export interface ReplicaSubscriptionOptions extends PubSubClientOptions {
  /** a ready client (tests); otherwise one is opened and closed per call */
  pubsub?: PubSub;
}

/** The id prefix of every replica subscription of a topic. */
export function replicaSubscriptionPrefix(topicId: string): string {
  return `${topicId}-serve-`;
}

/** The subscription id of `replica` on the topic (at most 255 characters, Pub/Sub's limit). */
export function replicaSubscriptionId(topicId: string, replica: string): string {
  const id = replicaSubscriptionPrefix(topicId) + replica.replace(ID_CHARS, '-');
  return id.length <= 255 ? id : id.slice(0, 255);
}

async function withClient<T>(project: string, opts: ReplicaSubscriptionOptions, fn: (pubsub: PubSub) => Promise<T>): Promise<T> {
  const pubsub = opts.pubsub ?? makePubSub(project, opts);
  try {
    return await fn(pubsub);
  } finally {
    if (!opts.pubsub) await pubsub.close();
  }
}

function denied(what: string, err: unknown): Error {
  const code = grpcCodeOf(err);
  const message = (err as Error)?.message ?? String(err);
  if (code === 7) return new InfraError(`${what}: permission denied (${message}); see docs/deploy.md, "Permissions"`, { cause: err });
  return new InfraError(`${what}: ${message}`, { cause: err });
}

/**
 * Creates the replica's subscription on the topic, or takes it over when it exists already (the same
 * replica restarting before its old one expired). Resolves with its `pubsub://` URI.
 */
export async function ensureReplicaSubscription(
  topic: PubSubTopicTarget,
  replica: string,
  opts: ReplicaSubscriptionOptions = {},
): Promise<PubSubSubscriptionTarget> {
  const topicUri = topic.uri;
  const id = replicaSubscriptionId(topic.topic, replica);
  const name = `projects/${topic.project}/subscriptions/${id}`;
  return withClient(topic.project, opts, async (pubsub) => {
    try {
      await pubsub.topic(topic.name).createSubscription(id, {
        enableMessageOrdering: true,
        expirationPolicy: { ttl: { seconds: REPLICA_SUBSCRIPTION_TTL_SECONDS } },
        messageRetentionDuration: { seconds: RETENTION_SECONDS },
        ackDeadlineSeconds: ACK_DEADLINE_SECONDS,
        labels: { app: 'promoscore', role: 'serving-replica' },
      });
    } catch (err) {
      const code = grpcCodeOf(err);
      if (code === 5) throw new UsageError(`--topic ${topicUri} does not exist`);
      if (code !== 6) throw denied(`creating subscription ${name} on ${topicUri}`, err);
      // ALREADY_EXISTS: ours from an earlier start, unless it listens to another topic
      let attached: string | null | undefined;
      try {
        [{ topic: attached }] = await pubsub.subscription(name).getMetadata();
      } catch (e) {
        throw denied(`reading subscription ${name}`, e);
      }
      if (attached !== topic.name) throw new UsageError(`subscription ${name} exists but is attached to ${attached}, not ${topic.name}; pass another --replica-id`);
    }
    const target = parseSubscriptionUri(`pubsub://${name}`);
    if (target.kind !== 'pubsub-subscription') throw new Error(`unexpected subscription target for ${name}`);
    return target;
  });
}

/** Deletes a replica's subscription (clean shutdown); one that is gone already is fine. */
export async function deleteReplicaSubscription(sub: PubSubSubscriptionTarget, opts: ReplicaSubscriptionOptions = {}): Promise<void> {
  await withClient(sub.project, opts, async (pubsub) => {
    try {
      await pubsub.subscription(sub.name).delete();
    } catch (err) {
      if (grpcCodeOf(err) !== 5) throw denied(`deleting subscription ${sub.name}`, err);
    }
  });
}
