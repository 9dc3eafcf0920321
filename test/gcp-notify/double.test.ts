/**
 * The Pub/Sub double must reject what the service rejects, through the package's own generated
 * (v1) clients, or the adapters' error paths would be tested against a fiction.
 */
import { v1 } from '@google-cloud/pubsub';
import { grpc } from 'google-gax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPubSubDouble, type PubSubDouble } from '../doubles/pubsub/server.ts';

let d: PubSubDouble;
let pub: v1.PublisherClient;
let sub: v1.SubscriberClient;
const P = 'projects/promoscore-test';
beforeAll(async () => {
  d = await startPubSubDouble();
  const opts = { servicePath: '127.0.0.1', port: d.port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com', projectId: 'promoscore-test' };
  pub = new v1.PublisherClient(opts);
  sub = new v1.SubscriberClient(opts);
});
afterAll(async () => {
  await pub.close();
  await sub.close();
  await d.close();
});

async function codeOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return 0;
  } catch (err) {
    return (err as { code?: number }).code;
  }
}

describe('Pub/Sub gRPC double', () => {
  it('rejects bad topic requests like the service', async () => {
    await pub.createTopic({ name: `${P}/topics/t-one` });
    expect(await codeOf(pub.createTopic({ name: `${P}/topics/t-one` }))).toBe(grpc.status.ALREADY_EXISTS);
    expect(await codeOf(pub.createTopic({ name: `${P}/topics/1bad` }))).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await codeOf(pub.getTopic({ topic: `${P}/topics/absent` }))).toBe(grpc.status.NOT_FOUND);
    expect(await codeOf(pub.listTopics({ project: P }))).toBe(grpc.status.UNIMPLEMENTED);
  });

  it('rejects bad publishes: unknown topic, no messages, empty message, reserved or oversize attributes', async () => {
    const topic = `${P}/topics/t-pub`;
    await pub.createTopic({ name: topic });
    const noRetry = { retry: null, timeout: 5000 } as never;
    expect(await codeOf(pub.publish({ topic: `${P}/topics/absent`, messages: [{ data: Buffer.from('x') }] }, noRetry))).toBe(grpc.status.NOT_FOUND);
    expect(await codeOf(pub.publish({ topic, messages: [] }, noRetry))).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await codeOf(pub.publish({ topic, messages: [{}] }, noRetry))).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await codeOf(pub.publish({ topic, messages: [{ attributes: { googx: 'v' } }] }, noRetry))).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await codeOf(pub.publish({ topic, messages: [{ attributes: { k: 'v'.repeat(1025) } }] }, noRetry))).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await codeOf(pub.publish({ topic, messages: [{ data: Buffer.from('x'), orderingKey: 'k'.repeat(1025) }] }, noRetry))).toBe(grpc.status.INVALID_ARGUMENT);
    const [ok] = await pub.publish({ topic, messages: [{ attributes: { a: '1' } }, { data: Buffer.from('y') }] });
    expect(ok.messageIds).toHaveLength(2);
    expect(d.published(topic)).toHaveLength(2);
  });

  it('rejects bad subscriptions, pulls, acks and deadline changes', async () => {
    const topic = `${P}/topics/t-sub`;
    await pub.createTopic({ name: topic });
    expect(await codeOf(sub.createSubscription({ name: `${P}/subscriptions/s-x`, topic: `${P}/topics/absent` }))).toBe(grpc.status.NOT_FOUND);
    expect(await codeOf(sub.createSubscription({ name: `${P}/subscriptions/s-x`, topic, ackDeadlineSeconds: 5 }))).toBe(grpc.status.INVALID_ARGUMENT);
    await sub.createSubscription({ name: `${P}/subscriptions/s-x`, topic });
    expect(await codeOf(sub.createSubscription({ name: `${P}/subscriptions/s-x`, topic }))).toBe(grpc.status.ALREADY_EXISTS);
    expect(await codeOf(sub.getSubscription({ subscription: `${P}/subscriptions/absent` }))).toBe(grpc.status.NOT_FOUND);
    const s = `${P}/subscriptions/s-x`;
    expect(await codeOf(sub.pull({ subscription: s, maxMessages: 0 }))).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await codeOf(sub.acknowledge({ subscription: s, ackIds: [] }))).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await codeOf(sub.modifyAckDeadline({ subscription: s, ackIds: ['a'], ackDeadlineSeconds: 601 }))).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('leases, nacks, redelivers and acks through unary Pull/ModifyAckDeadline/Acknowledge', async () => {
    const topic = `${P}/topics/t-lease`;
    const s = `${P}/subscriptions/s-lease`;
    await pub.createTopic({ name: topic });
    await sub.createSubscription({ name: s, topic });
    await pub.publish({ topic, messages: [{ data: Buffer.from('m1') }] });
    const [r1] = await sub.pull({ subscription: s, maxMessages: 10 });
    expect(r1.receivedMessages).toHaveLength(1);
    const first = r1.receivedMessages![0];
    expect(Buffer.from(first.message!.data as Uint8Array).toString()).toBe('m1');
    const [empty] = await sub.pull({ subscription: s, maxMessages: 10, returnImmediately: true });
    expect(empty.receivedMessages ?? []).toHaveLength(0);
    await sub.modifyAckDeadline({ subscription: s, ackIds: [first.ackId!], ackDeadlineSeconds: 0 });
    const [r2] = await sub.pull({ subscription: s, maxMessages: 10 });
    const again = r2.receivedMessages![0];
    expect(again.message!.messageId).toBe(first.message!.messageId);
    expect(again.ackId).not.toBe(first.ackId);
    await sub.acknowledge({ subscription: s, ackIds: [again.ackId!] });
    expect(d.acked(s)).toEqual([first.message!.messageId]);
    const [after] = await sub.pull({ subscription: s, maxMessages: 10, returnImmediately: true });
    expect(after.receivedMessages ?? []).toHaveLength(0);
  });

  it('keeps ordering keys: a later message never overtakes an unacked earlier one', async () => {
    const topic = `${P}/topics/t-order`;
    const s = `${P}/subscriptions/s-order`;
    await pub.createTopic({ name: topic });
    await sub.createSubscription({ name: s, topic, enableMessageOrdering: true });
    await pub.publish({
      topic,
      messages: [
        { data: Buffer.from('a1'), orderingKey: 'a' },
        { data: Buffer.from('a2'), orderingKey: 'a' },
        { data: Buffer.from('b1'), orderingKey: 'b' },
      ],
    });
    const body = (r: { receivedMessages?: { message?: { data?: unknown } | null }[] | null }) =>
      (r.receivedMessages ?? []).map((m) => Buffer.from(m.message!.data as Uint8Array).toString());
    const [one] = await sub.pull({ subscription: s, maxMessages: 1 });
    expect(body(one)).toEqual(['a1']);
    const [next] = await sub.pull({ subscription: s, maxMessages: 10, returnImmediately: true });
    expect(body(next)).toEqual(['b1']); // a2 waits for a1
    await sub.acknowledge({ subscription: s, ackIds: [one.receivedMessages![0].ackId!] });
    const [last] = await sub.pull({ subscription: s, maxMessages: 10, returnImmediately: true });
    expect(body(last)).toEqual(['a2']);
  });
});

describe('Pub/Sub double streaming pull', () => {
  it('ends a stream on an unknown subscription with NOT_FOUND, as the service does', async () => {
    const { makePubSub } = await import('../../src/notify/pubsub/client.ts');
    const ps = makePubSub('promoscore-test', { apiEndpoint: d.endpoint });
    const s = ps.subscription(`${P}/subscriptions/never-made`);
    const err = await new Promise<{ code?: number }>((resolve) => {
      s.on('error', resolve);
      s.on('message', () => undefined);
    });
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    await s.close();
    await ps.close();
  });
});
