/**
 * Where the Pub/Sub suites run: Google's emulator when the run has one (PUBSUB_EMULATOR_HOST, or
 * gcloud's pubsub-emulator started on first use, see emulator.ts); the in-process gRPC double
 * without one, and for tests that inject faults or read the service's ack log (only the double can);
 * real Pub/Sub with Application Default Credentials when PROMOSCORE_TEST_PUBSUB_PROJECT is set
 * (topics and subscriptions are created and deleted).
 */
import { parseNotifyUri, parseSubscriptionUri, type PubSubSubscriptionTarget, type PubSubTopicTarget } from '../../src/config/uri.ts';
import { randomBytes } from 'node:crypto';
import type { PubSub } from '@google-cloud/pubsub';
import { inject } from 'vitest';
import { makePubSub } from '../../src/notify/pubsub/client.ts';
import { startPubSubDouble, type PubSubDouble } from '../doubles/pubsub/server.ts';
import { pubsubEmulatorHost } from './emulator.ts';

/** Whether this run has Google's emulator (tests that need it: `it.skipIf(!hasPubSubEmulator)`). */
export const hasPubSubEmulator = inject('pubsubEmulator').kind !== 'absent';

export interface PubSubTarget {
  label: string;
  project: string;
  /** for createPubSubNotifier / subscribeNotifications; undefined: environment or ADC */
  apiEndpoint?: string;
  /** the double, when that is the target */
  double?: PubSubDouble;
  admin: PubSub;
  /** a fresh topic with an ordered subscription; names are unique per call */
  makeTopic(): Promise<{
    topic: string;
    subscription: string;
    topicUri: string;
    subscriptionUri: string;
    /** the URIs as config/uri.ts parses them for the adapters */
    topicTarget: PubSubTopicTarget;
    subscriptionTarget: PubSubSubscriptionTarget;
  }>;
  close(): Promise<void>;
}

export async function openPubSubTarget(opts: { forceDouble?: boolean; emulator?: boolean } = {}): Promise<PubSubTarget> {
  const realProject = opts.forceDouble || opts.emulator ? undefined : process.env.PROMOSCORE_TEST_PUBSUB_PROJECT;
  const emulator = opts.forceDouble || realProject ? null : await pubsubEmulatorHost(inject('pubsubEmulator'));
  if (opts.emulator && !emulator) throw new Error('this test needs the Pub/Sub emulator (gcloud pubsub-emulator); skip it with hasPubSubEmulator');
  let double: PubSubDouble | undefined;
  let apiEndpoint: string | undefined = emulator ?? undefined;
  if (!realProject && !emulator) {
    double = await startPubSubDouble();
    apiEndpoint = double.endpoint;
  }
  const project = realProject ?? 'promoscore-test';
  const admin = makePubSub(project, { apiEndpoint });
  const created: { topics: string[]; subs: string[] } = { topics: [], subs: [] };
  return {
    label: realProject ? `Pub/Sub ${realProject}` : emulator ? `emulator ${emulator}` : 'Pub/Sub double',
    project,
    apiEndpoint,
    double,
    admin,
    async makeTopic() {
      const id = randomBytes(5).toString('hex');
      const [topic] = await admin.createTopic(`promoscore-t-${id}`);
      const [sub] = await topic.createSubscription(`promoscore-s-${id}`, { enableMessageOrdering: true, ackDeadlineSeconds: 10 });
      created.topics.push(topic.name);
      created.subs.push(sub.name);
      return {
        topic: topic.name,
        subscription: sub.name,
        topicUri: `pubsub://${topic.name}`,
        subscriptionUri: `pubsub://${sub.name}`,
        topicTarget: topicTarget(`pubsub://${topic.name}`),
        subscriptionTarget: subscriptionTarget(`pubsub://${sub.name}`),
      };
    },
    async close() {
      if (!double) {
        for (const s of created.subs) await admin.subscription(s).delete().catch(() => undefined);
        for (const t of created.topics) await admin.topic(t).delete().catch(() => undefined);
      }
      await admin.close();
      await double?.close();
    },
  };
}

/** `pubsub://projects/P/topics/T` parsed as config/uri.ts hands it to the notifier. */
export function topicTarget(uri: string): PubSubTopicTarget {
  const t = parseNotifyUri(uri);
  if (t.kind !== 'pubsub-topic') throw new Error(`${uri} is not a Pub/Sub topic URI`);
  return t;
}

/** `pubsub://projects/P/subscriptions/S` parsed as config/uri.ts hands it to the subscriber. */
export function subscriptionTarget(uri: string): PubSubSubscriptionTarget {
  const t = parseSubscriptionUri(uri);
  if (t.kind !== 'pubsub-subscription') throw new Error(`${uri} is not a Pub/Sub subscription URI`);
  return t;
}
