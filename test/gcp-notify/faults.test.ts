/**
 * The Pub/Sub notifier under faults, always against the double (the one that can be told to fail).
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, InfraError, UsageError, exitCodeOf } from '../../src/core/errors.ts';
import { canonicalJson } from '../../src/core/hash.ts';
import type { NotificationAttributes } from '../../src/notify/port.ts';
import { createPubSubNotifier, type PubSubNotifierOptions } from '../../src/notify/pubsub/notifier.ts';
import type { PubSubDouble } from '../doubles/pubsub/server.ts';
import { openNotifier } from '../../src/notify/open.ts';
import { openPubSubTarget, topicTarget, type PubSubTarget } from './target.ts';

let target: PubSubTarget;
let double: PubSubDouble;
beforeAll(async () => {
  target = await openPubSubTarget({ forceDouble: true });
  double = target.double!;
});
afterAll(async () => {
  await target?.close();
});

const attrs = (version: string): NotificationAttributes => ({
  dataset: 'promo_scores',
  version,
  manifest_uri: `gs://b/promo_scores/versions/${version}/manifest.json`,
  as_of: '2026-11-25',
  rows: '42',
  event: 'published',
});

function notifierFor(topicUri: string, o: PubSubNotifierOptions = {}) {
  return createPubSubNotifier(topicTarget(topicUri), { apiEndpoint: double.endpoint, initialDelayMs: 5, maxDelayMs: 20, ...o });
}

const publishCalls = (mark: number) => double.calls.slice(mark).filter((c) => c.method === 'Publish');

describe('pubsub:// notifier', () => {
  it('publishes the contract attributes with the dataset as ordering key and as JSON data', async () => {
    const t = await target.makeTopic();
    const n = notifierFor(t.topicUri);
    const id = await n.publish(attrs('v1'));
    await n.close();
    const [m] = double.published(t.topic);
    expect(m.messageId).toBe(id);
    expect(m.attributes).toEqual(attrs('v1'));
    expect(m.orderingKey).toBe('promo_scores');
    expect(m.data.toString('utf8')).toBe(canonicalJson(attrs('v1')));
  });

  it('retries a publish that failed with UNAVAILABLE and sends the message once', async () => {
    const t = await target.makeTopic();
    const n = notifierFor(t.topicUri);
    double.addFault({ method: 'Publish', nth: 1, code: grpc.status.UNAVAILABLE });
    const mark = double.calls.length;
    await n.publish(attrs('v2'));
    await n.close();
    expect(publishCalls(mark).map((c) => c.code)).toEqual([grpc.status.UNAVAILABLE, grpc.status.OK]);
    expect(double.published(t.topic).map((m) => m.attributes.version)).toEqual(['v2']);
  });

  it('retries a publish that timed out; a late-accepted first try gives a duplicate (at least once)', async () => {
    const t = await target.makeTopic();
    const n = notifierFor(t.topicUri, { publishTimeoutMs: 300 });
    double.addFault({ method: 'Publish', nth: 1, delayMs: 3000 });
    const mark = double.calls.length;
    await n.publish(attrs('v3'));
    expect(publishCalls(mark).length).toBe(2);
    expect(double.published(t.topic).map((m) => m.attributes.version)).toEqual(['v3']);

    double.addFault({ method: 'Publish', nth: 1, delayMs: 3000, applied: true });
    await n.publish(attrs('v4'));
    await n.close();
    expect(double.published(t.topic).map((m) => m.attributes.version)).toEqual(['v3', 'v4', 'v4']);
  });

  it('gives up with InfraError (exit 5), then publishing on the same key works again', async () => {
    const t = await target.makeTopic();
    const n = notifierFor(t.topicUri, { attempts: 3 });
    for (let i = 1; i <= 3; i++) double.addFault({ method: 'Publish', nth: i, code: grpc.status.UNAVAILABLE });
    const err = await n.publish(attrs('v5')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect(exitCodeOf(err)).toBe(ExitCode.infra);
    expect((err as Error).message).toContain('promo_scores/v5');
    expect((err as Error).message).toContain(t.topicUri);
    expect((err as Error).message).toContain('3 attempt');
    // The ordered key was paused by the failure; resumePublishing lets the rerun through.
    await n.publish(attrs('v5'));
    await n.close();
    expect(double.published(t.topic).map((m) => m.attributes.version)).toEqual(['v5']);
  });

  it('does not retry what the service rejects for good (unknown topic)', async () => {
    const n = notifierFor(`pubsub://projects/${target.project}/topics/never-created`);
    const mark = double.calls.length;
    const err = await n.publish(attrs('v6')).catch((e: unknown) => e);
    await n.close();
    expect(err).toBeInstanceOf(InfraError);
    expect((err as Error).message).toMatch(/gRPC 5/);
    expect(publishCalls(mark).map((c) => c.code)).toEqual([grpc.status.NOT_FOUND]);
  });

  it('refuses attributes that break the contract before sending anything', async () => {
    const t = await target.makeTopic();
    const n = notifierFor(t.topicUri);
    const mark = double.calls.length;
    await expect(n.publish({ ...attrs('v7'), event: 'deleted' as never })).rejects.toThrow(/"event"/);
    await expect(n.publish({ ...attrs('v7'), extra: 'x' } as never)).rejects.toBeInstanceOf(UsageError);
    await expect(n.publish({ ...attrs('v7'), rows: 12 as never })).rejects.toThrow(/"rows"/);
    await n.close();
    expect(publishCalls(mark)).toHaveLength(0);
  });

  it('rejects malformed URIs as usage errors', async () => {
    await expect(openNotifier('pubsub://projects/p/topics/t')).rejects.toThrow(/project id/);
    await expect(openNotifier('pubsub://topics/x')).rejects.toThrow(/pubsub:\/\/projects\/PROJECT\/topics\/TOPIC/);
    await expect(openNotifier('pubsub://projects/my-project/topics/goog-x')).rejects.toThrow(/topic id/);
  });
});
