/**
 * A serving fleet on Google's Pub/Sub emulator: every replica reloads, and a notification path that
 * breaks is noticed and worked around rather than leaving a replica frozen on an old version.
 * Real `serve` processes, the real publish and rollback protocol, the emulator's own delivery.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createPubSubNotifier } from '../../src/notify/pubsub/notifier.ts';
import { rollback } from '../../src/snapshot/rollback.ts';
import { LocalStore } from '../../src/store/local/store.ts';
import { hasPubSubEmulator, openPubSubTarget, topicTarget, type PubSubTarget } from '../gcp-notify/target.ts';
import { listeningUrl, startServe, statusOf, until, type ServeProcess } from './serve-process.ts';
import { MemoryNotifier, makeRows, publishWithWriter } from './support.ts';
import { cleanupsAfterEach } from '../support/wait.ts';

const cleanups = cleanupsAfterEach();

async function setup() {
  const target = await openPubSubTarget({ emulator: true });
  cleanups.push(() => target.close());
  const dir = await mkdtemp(join(tmpdir(), 'promoscore-fleet-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const store = new LocalStore(join(dir, 'store'));
  const storeUri = pathToFileURL(join(dir, 'store')).href;
  const env = { PUBSUB_EMULATOR_HOST: target.apiEndpoint! };
  return { target, store, storeUri, env };
}

async function subscriptionsOf(target: PubSubTarget, topic: string): Promise<string[]> {
  const [subs] = await target.admin.topic(topic).getSubscriptions();
  return subs.map((s) => s.name).sort();
}

const versionOf = async (url: string) => (await statusOf(url)).version as string | null;

describe.skipIf(!hasPubSubEmulator)('a serving fleet on the Pub/Sub emulator', () => {
  it('three replicas given the topic each get a subscription of their own and all reach every new version, a rollback included', async () => {
    const { target, store, storeUri, env } = await setup();
    const [topic] = await target.admin.createTopic(`promoscore-fleet-${process.pid}-${Date.now()}`);
    const topicUri = `pubsub://${topic.name}`;
    const notifier = createPubSubNotifier(topicTarget(topicUri), { apiEndpoint: target.apiEndpoint });
    cleanups.push(() => notifier.close());
    await publishWithWriter(store, notifier, { version: 'v1', asOf: '2026-11-24', rows: makeRows(100, 3) });

    // LATEST's safety poll is an hour here: every reload below comes from a notification
    const args = ['--store', storeUri, '--dataset', 'promo', '--port', '0', '--topic', topicUri, '--jitter', '0', '--poll-interval', '3600000', '--safety-poll', '3600000'];
    const fleet: ServeProcess[] = [0, 1, 2].map(() => startServe(args, env, cleanups));
    const urls = await Promise.all(fleet.map((p) => listeningUrl(p)));
    for (const url of urls) expect(await versionOf(url)).toBe('v1');
    const subs = await subscriptionsOf(target, topic.name);
    expect(subs).toHaveLength(3);
    for (const url of urls) {
      const s = await statusOf(url);
      expect(s.notifications.state).toBe('up');
      expect(subs).toContain(s.notifications.subscription.replace('pubsub://', ''));
    }

    await publishWithWriter(store, notifier, { version: 'v2', asOf: '2026-11-25', rows: makeRows(100, 3, 1) });
    for (const [i, url] of urls.entries()) await until(async () => (await versionOf(url)) === 'v2', `replica ${i} to serve v2`, fleet[i]);

    await rollback({ store, notifier, dataset: 'promo', to: 'v1' });
    for (const [i, url] of urls.entries()) await until(async () => (await versionOf(url)) === 'v1', `replica ${i} to roll back to v1`, fleet[i]);

    // a clean shutdown deletes the replica's own subscription
    for (const p of fleet) p.child.kill('SIGTERM');
    for (const p of fleet) expect(await p.exited).toBe(0);
    expect(await subscriptionsOf(target, topic.name)).toEqual([]);
  });

  it('two replicas sharing one subscription: the message reaches one of them only, the other catches up by its safety-net poll', async () => {
    const { target, store, storeUri, env } = await setup();
    const t = await target.makeTopic();
    const notifier = createPubSubNotifier(t.topicTarget, { apiEndpoint: target.apiEndpoint });
    cleanups.push(() => notifier.close());
    await publishWithWriter(store, new MemoryNotifier(), { version: 'v1', asOf: '2026-11-24', rows: makeRows(100, 6) }); // v2's is the one message
    const args = ['--store', storeUri, '--dataset', 'promo', '--port', '0', '--subscription', t.subscriptionUri, '--jitter', '0', '--safety-poll', '1000'];
    const pair = [startServe(args, env, cleanups), startServe(args, env, cleanups)];
    const urls = await Promise.all(pair.map((p) => listeningUrl(p)));
    await publishWithWriter(store, notifier, { version: 'v2', asOf: '2026-11-25', rows: makeRows(100, 6, 1) });
    for (const [i, url] of urls.entries()) await until(async () => (await versionOf(url)) === 'v2', `replica ${i} to serve v2`, pair[i]);
    // Pub/Sub hands each message of a subscription to one consumer: one delivery between the two
    const delivered = async (url: string) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return [...text.matchAll(/^promoscore_notifications_total\{source="notification",outcome="\w+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    expect((await delivered(urls[0])) + (await delivered(urls[1]))).toBe(1);
    for (const p of pair) p.child.kill('SIGTERM');
    for (const p of pair) expect(await p.exited).toBe(0);
  });

  it('a deleted subscription under a running server: it says so, polls LATEST and follows a rollback, then resubscribes once the subscription is back', async () => {
    const { target, store, storeUri, env } = await setup();
    const t = await target.makeTopic();
    const notifier = createPubSubNotifier(t.topicTarget, { apiEndpoint: target.apiEndpoint });
    cleanups.push(() => notifier.close());
    await publishWithWriter(store, notifier, { version: 'v1', asOf: '2026-11-24', rows: makeRows(100, 4) });
    const p = startServe(['--store', storeUri, '--dataset', 'promo', '--port', '0', '--subscription', t.subscriptionUri, '--jitter', '0', '--poll-interval', '100'], env, cleanups);
    const url = await listeningUrl(p);
    await publishWithWriter(store, notifier, { version: 'v2', asOf: '2026-11-25', rows: makeRows(100, 4, 1) });
    await until(async () => (await versionOf(url)) === 'v2', 'v2 via the subscription', p);

    await target.admin.subscription(t.subscription).delete();
    await rollback({ store, notifier, dataset: 'promo', to: 'v1' }); // the message has nowhere to go
    await until(async () => (await versionOf(url)) === 'v1', 'the rollback, by polling LATEST', p, 20_000);

    const s = await statusOf(url);
    expect(s.notifications.state).toBe('down');
    expect(s.notifications.error).toMatch(/does not exist|NOT_FOUND|5/);
    expect(s.last_error?.message).toMatch(/notification subscription/);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^promoscore_notification_source_up 0$/m);
    expect(metrics).toMatch(/^promoscore_notification_source_failures_total [1-9]/m);
    expect(metrics).toMatch(/^promoscore_latest_poll_interval_seconds 0\.1$/m);
    expect(p.logs().some((l) => l.severity === 'ERROR' && /notification subscription failed/.test(String(l.message)))).toBe(true);
    // serving stays correct while it polls, so the replica stays in rotation
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    await target.admin.topic(t.topic).createSubscription(t.subscription.split('/').pop()!, { enableMessageOrdering: true });
    await until(async () => (await statusOf(url)).notifications.state === 'up', 'the subscription to be followed again', p);
    const after = await (await fetch(`${url}/metrics`)).text();
    expect(after).toMatch(/^promoscore_notification_source_up 1$/m);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it("a replica whose own subscription disappears creates it again and keeps following the topic", async () => {
    const { target, store, storeUri, env } = await setup();
    const [topic] = await target.admin.createTopic(`promoscore-fleet-own-${process.pid}-${Date.now()}`);
    const topicUri = `pubsub://${topic.name}`;
    const notifier = createPubSubNotifier(topicTarget(topicUri), { apiEndpoint: target.apiEndpoint });
    cleanups.push(() => notifier.close());
    await publishWithWriter(store, notifier, { version: 'v1', asOf: '2026-11-24', rows: makeRows(100, 5) });
    // polling LATEST is out of the picture (an hour): v2 can only arrive through the new subscription
    const p = startServe(
      ['--store', storeUri, '--dataset', 'promo', '--port', '0', '--topic', topicUri, '--jitter', '0', '--poll-interval', '3600000', '--safety-poll', '3600000'],
      env,
      cleanups,
    );
    const url = await listeningUrl(p);
    const own = (await statusOf(url)).notifications.subscription.replace('pubsub://', '');
    await target.admin.subscription(own).delete();
    await until(async () => (await statusOf(url)).notifications.failures >= 1, 'the failure to be noticed', p);
    await until(async () => (await statusOf(url)).notifications.state === 'up', 'the subscription to be created again', p);
    expect(await subscriptionsOf(target, topic.name)).toEqual([own]);
    await publishWithWriter(store, notifier, { version: 'v2', asOf: '2026-11-25', rows: makeRows(100, 5, 1) });
    await until(async () => (await versionOf(url)) === 'v2', 'v2 through the new subscription', p);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(await subscriptionsOf(target, topic.name)).toEqual([]);
  });
});
