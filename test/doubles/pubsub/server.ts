/**
 * A wire-level double of Cloud Pub/Sub: the Publisher and Subscriber gRPC services built with
 * @grpc/grpc-js from the protos the client package ships, served insecurely on 127.0.0.1. Topics,
 * subscriptions, leases with ack deadlines, redelivery, ordering keys; validation of what the
 * service rejects; and faults (fail or delay the nth call of a method).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createFaultQueue } from '../fault-queue.ts';

const require = createRequire(import.meta.url);

export interface StoredMessage {
  seq: number;
  messageId: string;
  data: Buffer;
  attributes: Record<string, string>;
  orderingKey: string;
  publishTime: Date;
}

export type PubSubMethod = 'Publish' | 'CreateTopic' | 'GetTopic' | 'CreateSubscription' | 'GetSubscription' | 'StreamingPull' | 'Pull' | 'Acknowledge' | 'ModifyAckDeadline';

export interface PubSubFault {
  method: PubSubMethod;
  /** the nth call of that method from when the fault was added (1 = the next one) */
  nth: number;
  /** answer with this gRPC status (default UNAVAILABLE) */
  code?: grpc.status;
  /** hold the answer this long; a client deadline shorter than this sees DEADLINE_EXCEEDED */
  delayMs?: number;
  /**
   * Publish only: the call takes effect although its answer is an error (with `code`) or comes
   * late (with `delayMs`): an acknowledgement lost on the way back
   */
  applied?: boolean;
  /** StreamingPull only: end the stream with `code` after this many responses */
  afterResponses?: number;
}

export interface CallRecord {
  method: PubSubMethod | string;
  code: grpc.status;
  /** Publish: the messages' ordering keys */
  orderingKeys?: string[];
}

export interface PubSubDouble {
  /** host:port for the client's `apiEndpoint` (or PUBSUB_EMULATOR_HOST) */
  readonly endpoint: string;
  readonly port: number;
  /** every message accepted on a topic, in publish order */
  published(topic: string): StoredMessage[];
  /** acks received per subscription (message ids) */
  acked(subscription: string): string[];
  addFault(f: PubSubFault): void;
  /** drops faults not yet triggered */
  clearFaults(): void;
  readonly calls: CallRecord[];
  close(): Promise<void>;
}

interface Topic {
  name: string;
  labels: Record<string, string>;
  messages: StoredMessage[];
}

interface Lease {
  ackId: string;
  msg: StoredMessage;
  deliveryAttempt: number;
  timer: NodeJS.Timeout;
  stream: StreamState | null;
}

interface Subscription {
  name: string;
  topic: string;
  ackDeadlineSeconds: number;
  enableMessageOrdering: boolean;
  /** waiting for delivery, by publish sequence */
  backlog: StoredMessage[];
  attempts: Map<string, number>;
  leases: Map<string, Lease>;
  streams: Set<StreamState>;
  pullers: Array<() => void>;
  acked: string[];
  nextStream: number;
}

interface StreamState {
  call: grpc.ServerDuplexStream<any, any>;
  sub: Subscription;
  ackDeadlineSeconds: number;
  maxOutstandingMessages: number;
  outstanding: number;
  responses: number;
  fault: PubSubFault | null;
  closed: boolean;
}

const TOPIC_RE = /^projects\/([^/]+)\/topics\/([A-Za-z][\w\-.~+%]{2,254})$/;
const SUB_RE = /^projects\/([^/]+)\/subscriptions\/([A-Za-z][\w\-.~+%]{2,254})$/;
const MAX_ATTR_KEY = 256;
const MAX_ATTR_VALUE = 1024;
const MAX_ORDERING_KEY = 1024;
const MAX_REQUEST_BYTES = 10 * 1000 * 1000;

class RpcError extends Error {
  readonly code: grpc.status;

  constructor(
    code: grpc.status,
    message: string,
  ) {
    super(message);
    this.code = code;
  }
}

function loadServices() {
  // The protos the client package ships, as one JSON bundle.
  const protosPath = require.resolve('@google-cloud/pubsub/build/protos/protos.json');
  const json = JSON.parse(readFileSync(protosPath, 'utf8'));
  const def = protoLoader.fromJSON(json, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as any;
  const v1 = pkg.google.pubsub.v1;
  return { publisher: v1.Publisher.service as grpc.ServiceDefinition, subscriber: v1.Subscriber.service as grpc.ServiceDefinition };
}

export async function startPubSubDouble(): Promise<PubSubDouble> {
  const { publisher, subscriber } = loadServices();
  const topics = new Map<string, Topic>();
  const subs = new Map<string, Subscription>();
  const faults = createFaultQueue<PubSubFault, PubSubMethod>((f) => f.method);
  const calls: CallRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let seq = 0;
  let ackSeq = 0;
  let closed = false;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };
  const clear = (t: NodeJS.Timeout) => {
    clearTimeout(t);
    timers.delete(t);
  };

  const takeFault = (method: PubSubMethod): PubSubFault | null => faults.take(method);

  /** A unary handler with fault injection, validation errors as statuses, and a call record. */
  function unary(method: PubSubMethod, fn: (req: any) => unknown, onFault?: (req: any) => void) {
    return (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      const rec: CallRecord = { method, code: grpc.status.OK };
      calls.push(rec);
      const fault = takeFault(method);
      const finish = (err: RpcError | null, value?: unknown) => {
        rec.code = err ? err.code : grpc.status.OK;
        if (call.cancelled) return;
        if (err) cb({ code: err.code, details: err.message } as grpc.ServiceError);
        else cb(null, value);
      };
      const run = (): [RpcError | null, unknown] => {
        try {
          return [null, fn(call.request)];
        } catch (e) {
          if (e instanceof RpcError) return [e, undefined];
          return [new RpcError(grpc.status.INTERNAL, (e as Error).message), undefined];
        }
      };
      if (method === 'Publish') rec.orderingKeys = (call.request.messages ?? []).map((m: any) => m.orderingKey ?? '');
      if (!fault) {
        const [err, value] = run();
        return finish(err, value);
      }
      // A delayed call answers late with its real outcome when applied, else with the fault's
      // code (the client has given up by then); an undelayed fault fails at once, after applying
      // the call when `applied` (a lost acknowledgement).
      let outcome: [RpcError | null, unknown];
      if (fault.delayMs && fault.applied && fault.code === undefined) outcome = run();
      else {
        if (fault.applied && onFault) onFault(call.request);
        outcome = [new RpcError(fault.code ?? (fault.delayMs ? grpc.status.DEADLINE_EXCEEDED : grpc.status.UNAVAILABLE), `injected ${method} failure`), undefined];
      }
      if (fault.delayMs) later(fault.delayMs, () => finish(outcome[0], outcome[1]));
      else finish(outcome[0], outcome[1]);
    };
  }

  const topicOrThrow = (name: string): Topic => {
    const t = topics.get(name);
    if (!t) throw new RpcError(grpc.status.NOT_FOUND, `Resource not found (resource=${name.split('/').pop()}).`);
    return t;
  };
  const subOrThrow = (name: string): Subscription => {
    if (!SUB_RE.test(name ?? '')) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid resource name given (name=${name}).`);
    const s = subs.get(name);
    if (!s) throw new RpcError(grpc.status.NOT_FOUND, `Resource not found (resource=${name.split('/').pop()}).`);
    return s;
  };
  const topicResource = (t: Topic) => ({ name: t.name, labels: t.labels });
  const subResource = (s: Subscription) => ({
    name: s.name,
    topic: s.topic,
    ackDeadlineSeconds: s.ackDeadlineSeconds,
    enableMessageOrdering: s.enableMessageOrdering,
    enableExactlyOnceDelivery: false,
  });

  function validateMessages(messages: any[]): void {
    if (!messages.length) {
      throw new RpcError(grpc.status.INVALID_ARGUMENT, 'The value for message_count is too small. You passed 0 in the request, but the minimum value is 1.');
    }
    let bytes = 0;
    for (const m of messages) {
      const data: Buffer = m.data ?? Buffer.alloc(0);
      const attrs: Record<string, string> = m.attributes ?? {};
      const keys = Object.keys(attrs);
      if (data.length === 0 && keys.length === 0) {
        throw new RpcError(grpc.status.INVALID_ARGUMENT, 'One or more messages in the publish request is empty. Each message must contain either non-empty data, or at least one attribute.');
      }
      for (const k of keys) {
        if (k.length === 0 || Buffer.byteLength(k) > MAX_ATTR_KEY) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid attribute key: ${JSON.stringify(k)}.`);
        if (k.startsWith('goog')) throw new RpcError(grpc.status.INVALID_ARGUMENT, `The attribute key "${k}" is reserved (keys may not start with "goog").`);
        if (Buffer.byteLength(attrs[k]) > MAX_ATTR_VALUE) throw new RpcError(grpc.status.INVALID_ARGUMENT, `The value of attribute "${k}" is longer than ${MAX_ATTR_VALUE} bytes.`);
      }
      if (Buffer.byteLength(m.orderingKey ?? '') > MAX_ORDERING_KEY) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'The ordering key is longer than 1024 bytes.');
      bytes += data.length;
      for (const k of keys) bytes += Buffer.byteLength(k) + Buffer.byteLength(attrs[k]);
    }
    if (bytes > MAX_REQUEST_BYTES) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'Request payload size exceeds the limit: 10000000 bytes.');
  }

  function accept(t: Topic, messages: any[]): string[] {
    const ids: string[] = [];
    for (const m of messages) {
      const msg: StoredMessage = {
        seq: ++seq,
        messageId: String(1_000_000 + seq),
        data: Buffer.from(m.data ?? Buffer.alloc(0)),
        attributes: { ...(m.attributes ?? {}) },
        orderingKey: m.orderingKey ?? '',
        publishTime: new Date(),
      };
      t.messages.push(msg);
      ids.push(msg.messageId);
      for (const s of subs.values()) if (s.topic === t.name) s.backlog.push(msg);
    }
    for (const s of subs.values()) if (s.topic === t.name) pump(s);
    return ids;
  }

  function doPublish(req: any): { messageIds: string[] } {
    if (!TOPIC_RE.test(req.topic ?? '')) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid resource name given (name=${req.topic}).`);
    const t = topicOrThrow(req.topic);
    validateMessages(req.messages ?? []);
    return { messageIds: accept(t, req.messages) };
  }

  // ---- delivery ----

  function leaseOf(s: Subscription, msg: StoredMessage, stream: StreamState | null, deadlineSeconds: number): Lease {
    const ackId = `ack-${++ackSeq}-${msg.messageId}`;
    const attempt = (s.attempts.get(msg.messageId) ?? 0) + 1;
    s.attempts.set(msg.messageId, attempt);
    const lease: Lease = { ackId, msg, deliveryAttempt: attempt, stream, timer: later(deadlineSeconds * 1000, () => expire(s, ackId)) };
    s.leases.set(ackId, lease);
    if (stream) stream.outstanding++;
    return lease;
  }

  function release(s: Subscription, ackId: string): Lease | null {
    const lease = s.leases.get(ackId);
    if (!lease) return null;
    clear(lease.timer);
    s.leases.delete(ackId);
    if (lease.stream) lease.stream.outstanding--;
    return lease;
  }

  function requeue(s: Subscription, msg: StoredMessage) {
    let i = s.backlog.length;
    while (i > 0 && s.backlog[i - 1].seq > msg.seq) i--;
    s.backlog.splice(i, 0, msg);
  }

  function expire(s: Subscription, ackId: string) {
    const lease = release(s, ackId);
    if (!lease) return;
    requeue(s, lease.msg);
    pump(s);
  }

  /**
   * Messages deliverable now. With ordering, a key's messages go out in publish order, and none
   * of a key while an earlier batch of that key is still leased.
   */
  function takeDeliverable(s: Subscription, max: number): StoredMessage[] {
    const busy = new Set<string>();
    if (s.enableMessageOrdering) for (const l of s.leases.values()) if (l.msg.orderingKey) busy.add(l.msg.orderingKey);
    const out: StoredMessage[] = [];
    const cut = new Set<string>();
    for (let i = 0; i < s.backlog.length; ) {
      const m = s.backlog[i];
      const ordered = s.enableMessageOrdering && m.orderingKey;
      if (ordered && (busy.has(m.orderingKey) || cut.has(m.orderingKey))) {
        i++;
        continue;
      }
      if (out.length >= max) {
        // a later message of this key must not overtake the one left behind
        if (ordered) cut.add(m.orderingKey);
        i++;
        continue;
      }
      out.push(m);
      s.backlog.splice(i, 1);
    }
    return out;
  }

  const wire = (l: Lease) => ({
    ackId: l.ackId,
    deliveryAttempt: 0,
    message: {
      data: l.msg.data,
      attributes: l.msg.attributes,
      messageId: l.msg.messageId,
      orderingKey: l.msg.orderingKey,
      publishTime: { seconds: String(Math.floor(l.msg.publishTime.getTime() / 1000)), nanos: (l.msg.publishTime.getTime() % 1000) * 1e6 },
    },
  });

  function pump(s: Subscription) {
    if (closed) return;
    while (s.pullers.length && s.backlog.length) s.pullers.shift()!();
    const streams = [...s.streams].filter((st) => !st.closed);
    if (!streams.length) return;
    for (let k = 0; k < streams.length && s.backlog.length; k++) {
      const st = streams[(s.nextStream + k) % streams.length];
      const room = st.maxOutstandingMessages > 0 ? st.maxOutstandingMessages - st.outstanding : 1000;
      if (room <= 0) continue;
      const batch = takeDeliverable(s, room);
      if (!batch.length) break;
      const leases = batch.map((m) => leaseOf(s, m, st, st.ackDeadlineSeconds));
      st.call.write({
        receivedMessages: leases.map(wire),
        subscriptionProperties: { exactlyOnceDeliveryEnabled: false, messageOrderingEnabled: s.enableMessageOrdering },
      });
      st.responses++;
      if (st.fault?.afterResponses !== undefined && st.responses >= st.fault.afterResponses) {
        const f = st.fault;
        st.fault = null;
        endStream(st, f.code ?? grpc.status.UNAVAILABLE, 'injected stream failure');
      }
    }
    s.nextStream++;
  }

  /** Forgets a stream; the leases it held return to the backlog. False when it was gone already. */
  function dropStream(st: StreamState): boolean {
    if (st.closed) return false;
    st.closed = true;
    st.sub.streams.delete(st);
    for (const l of [...st.sub.leases.values()]) {
      if (l.stream === st) {
        release(st.sub, l.ackId);
        requeue(st.sub, l.msg);
      }
    }
    return true;
  }

  function endStream(st: StreamState, code: grpc.status, details: string) {
    if (!dropStream(st)) return;
    if (code === grpc.status.OK) st.call.end();
    // grpc-js turns an 'error' emitted on a server stream into the call's final status
    else st.call.emit('error', { code, details });
    pump(st.sub);
  }

  function applyAcks(s: Subscription, ackIds: string[]) {
    for (const id of ackIds) {
      const lease = release(s, id);
      if (lease) s.acked.push(lease.msg.messageId);
    }
    pump(s);
  }

  function applyModAck(s: Subscription, ackIds: string[], seconds: number) {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 600) {
      throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid ack deadline given: ${seconds}. It must be between 0 and 600 seconds.`);
    }
    for (const id of ackIds) {
      const lease = s.leases.get(id);
      if (!lease) continue;
      if (seconds === 0) {
        release(s, id);
        requeue(s, lease.msg);
      } else {
        clear(lease.timer);
        lease.timer = later(seconds * 1000, () => expire(s, id));
      }
    }
    pump(s);
  }

  // ---- services ----

  const publisherImpl: Record<string, grpc.UntypedHandleCall> = {
    CreateTopic: unary('CreateTopic', (req) => {
      if (!TOPIC_RE.test(req.name ?? '')) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid resource name given (name=${req.name}).`);
      if (topics.has(req.name)) throw new RpcError(grpc.status.ALREADY_EXISTS, 'Topic already exists');
      const t: Topic = { name: req.name, labels: req.labels ?? {}, messages: [] };
      topics.set(t.name, t);
      return topicResource(t);
    }),
    GetTopic: unary('GetTopic', (req) => {
      if (!TOPIC_RE.test(req.topic ?? '')) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid resource name given (name=${req.topic}).`);
      return topicResource(topicOrThrow(req.topic));
    }),
    Publish: unary('Publish', doPublish, (req) => {
      try {
        doPublish(req);
      } catch {
        /* an invalid request stays invalid */
      }
    }),
  };

  const subscriberImpl: Record<string, grpc.UntypedHandleCall> = {
    CreateSubscription: unary('CreateSubscription', (req) => {
      if (!SUB_RE.test(req.name ?? '')) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid resource name given (name=${req.name}).`);
      if (!TOPIC_RE.test(req.topic ?? '')) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid resource name given (name=${req.topic}).`);
      if (subs.has(req.name)) throw new RpcError(grpc.status.ALREADY_EXISTS, 'Subscription already exists');
      topicOrThrow(req.topic);
      const deadline = req.ackDeadlineSeconds || 10;
      if (deadline < 10 || deadline > 600) {
        throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid ack deadline given: ${deadline}. It must be between 10 and 600 seconds.`);
      }
      const s: Subscription = {
        name: req.name,
        topic: req.topic,
        ackDeadlineSeconds: deadline,
        enableMessageOrdering: !!req.enableMessageOrdering,
        backlog: [],
        attempts: new Map(),
        leases: new Map(),
        streams: new Set(),
        pullers: [],
        acked: [],
        nextStream: 0,
      };
      subs.set(s.name, s);
      return subResource(s);
    }),
    GetSubscription: unary('GetSubscription', (req) => subResource(subOrThrow(req.subscription))),
    Acknowledge: unary('Acknowledge', (req) => {
      const s = subOrThrow(req.subscription);
      if (!req.ackIds?.length) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'No ack ids specified.');
      applyAcks(s, req.ackIds);
      return {};
    }),
    ModifyAckDeadline: unary('ModifyAckDeadline', (req) => {
      const s = subOrThrow(req.subscription);
      if (!req.ackIds?.length) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'No ack ids specified.');
      applyModAck(s, req.ackIds, req.ackDeadlineSeconds);
      return {};
    }),
    Pull: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      const rec: CallRecord = { method: 'Pull', code: grpc.status.OK };
      calls.push(rec);
      const fail = (code: grpc.status, details: string) => {
        rec.code = code;
        cb({ code, details } as grpc.ServiceError);
      };
      const fault = takeFault('Pull');
      if (fault) return fail(fault.code ?? grpc.status.UNAVAILABLE, 'injected Pull failure');
      let s: Subscription;
      try {
        s = subOrThrow(call.request.subscription);
      } catch (e) {
        return fail((e as RpcError).code, (e as Error).message);
      }
      const max = call.request.maxMessages;
      if (!max || max < 1) return fail(grpc.status.INVALID_ARGUMENT, 'The value for max_messages is too small. You passed 0 in the request, but the minimum value is 1.');
      let done = false;
      const answer = () => {
        if (done) return;
        done = true;
        clear(timer);
        const leases = takeDeliverable(s, max).map((m) => leaseOf(s, m, null, s.ackDeadlineSeconds));
        if (!call.cancelled) cb(null, { receivedMessages: leases.map(wire) });
      };
      // Like the service, wait a little for messages rather than answer empty at once.
      const timer = later(call.request.returnImmediately ? 0 : 1000, answer);
      if (s.backlog.length) answer();
      else s.pullers.push(answer);
    },
    StreamingPull: (call: grpc.ServerDuplexStream<any, any>) => {
      const rec: CallRecord = { method: 'StreamingPull', code: grpc.status.OK };
      calls.push(rec);
      let st: StreamState | null = null;
      const fault = takeFault('StreamingPull');
      const fail = (code: grpc.status, details: string) => {
        rec.code = code;
        call.emit('error', { code, details });
      };
      call.on('data', (req: any) => {
        if (!st) {
          if (fault && fault.afterResponses === undefined) return fail(fault.code ?? grpc.status.UNAVAILABLE, 'injected StreamingPull failure');
          let s: Subscription;
          try {
            s = subOrThrow(req.subscription);
          } catch (e) {
            return fail((e as RpcError).code, (e as Error).message);
          }
          const deadline = req.streamAckDeadlineSeconds;
          if (!Number.isInteger(deadline) || deadline < 10 || deadline > 600) {
            return fail(grpc.status.INVALID_ARGUMENT, `Invalid stream ack deadline given: ${deadline}. It must be between 10 and 600 seconds.`);
          }
          st = {
            call,
            sub: s,
            ackDeadlineSeconds: deadline,
            maxOutstandingMessages: Number(req.maxOutstandingMessages ?? 0),
            outstanding: 0,
            responses: 0,
            fault,
            closed: false,
          };
          s.streams.add(st);
        } else if (req.subscription) {
          return fail(grpc.status.INVALID_ARGUMENT, 'subscription must only be specified in the initial request.');
        }
        try {
          if (req.ackIds?.length) applyAcks(st.sub, req.ackIds);
          if (req.modifyDeadlineAckIds?.length) {
            if (req.modifyDeadlineAckIds.length !== req.modifyDeadlineSeconds?.length) {
              throw new RpcError(grpc.status.INVALID_ARGUMENT, 'modify_deadline_ack_ids and modify_deadline_seconds must have the same length.');
            }
            req.modifyDeadlineAckIds.forEach((id: string, i: number) => applyModAck(st!.sub, [id], req.modifyDeadlineSeconds[i]));
          }
        } catch (e) {
          return fail((e as RpcError).code, (e as Error).message);
        }
        pump(st.sub);
      });
      // the client went away: nothing to end, only the stream to forget
      const gone = () => {
        if (st && dropStream(st)) pump(st.sub);
      };
      call.on('end', () => {
        gone();
        call.end();
      });
      call.on('cancelled', gone);
      call.on('error', gone);
    },
  };

  const server = new grpc.Server();
  server.addService(publisher, withUnimplemented(publisher, publisherImpl));
  server.addService(subscriber, withUnimplemented(subscriber, subscriberImpl));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );

  return {
    endpoint: `127.0.0.1:${port}`,
    port,
    published: (topic) => [...(topics.get(topic)?.messages ?? [])],
    acked: (sub) => [...(subs.get(sub)?.acked ?? [])],
    addFault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    calls,
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of subs.values()) for (const st of s.streams) st.closed = true;
      server.forceShutdown();
    },
  };
}

/** Methods the double does not serve answer UNIMPLEMENTED, as a server without them would. */
function withUnimplemented(def: grpc.ServiceDefinition, impl: Record<string, grpc.UntypedHandleCall>) {
  const out: Record<string, grpc.UntypedHandleCall> = { ...impl };
  for (const [name, m] of Object.entries(def)) {
    if (out[name]) continue;
    const details = `${name} is not served by the Pub/Sub double`;
    if (m.requestStream || m.responseStream) {
      out[name] = ((call: any) => call.emit('error', { code: grpc.status.UNIMPLEMENTED, details })) as grpc.UntypedHandleCall;
    } else {
      out[name] = ((_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED, details } as grpc.ServiceError)) as grpc.UntypedHandleCall;
    }
  }
  return out;
}
