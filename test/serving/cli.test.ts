import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OutboxNotifier } from '../../src/notify/outbox/notifier.ts';
import { paths } from '../../src/snapshot/contract.ts';
import { LocalStore } from '../../src/store/local/store.ts';
import { createPubSubNotifier } from '../../src/notify/pubsub/notifier.ts';
import { openPubSubTarget } from '../gcp-notify/target.ts';
import { startServe, until } from './serve-process.ts';
import { makeRows, publishTestSnapshot, publishWithWriter } from './support.ts';
import { cleanupsAfterEach } from '../support/wait.ts';

const cleanups = cleanupsAfterEach();

const start = (args: string[], env: Record<string, string> = {}) => startServe(args, env, cleanups);

async function tempStore(): Promise<{ dir: string; store: LocalStore }> {
  const dir = await mkdtemp(join(tmpdir(), 'promoscore-serve-cli-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return { dir, store: new LocalStore(join(dir, 'store')) };
}

describe('promoscore serve (child process)', () => {
  it('serves LATEST, follows it, and stops cleanly on SIGTERM', async () => {
    const { dir, store } = await tempStore();
    const rows = makeRows(200, 5);
    await publishTestSnapshot(store, { version: 'v1', rows, createdAt: '2026-11-25T01:00:00Z' });
    const p = start(['--store', pathToFileURL(join(dir, 'store')).href, '--dataset', 'promo', '--port', '0', '--poll-interval', '50', '--jitter', '0']);
    const url = await until(() => /listening on (\S+)/.exec(p.stdout())?.[1], 'listening', p);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = rows[0];
    const get = () => fetch(`${url}/v1/scores/${encodeURIComponent(r.track_id)}?market=${r.market}&surface=${r.surface}`);
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-promoscore-version')).toBe('v1');
    await publishTestSnapshot(store, { version: 'v2', rows: makeRows(200, 5, 1), createdAt: '2026-11-25T02:00:00Z' });
    await until(async () => (await get()).headers.get('x-promoscore-version') === 'v2', 'v2 to be served', p);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    const logs = p.stderr().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(logs.some((l) => l.message === 'serving snapshot' && l.version === 'v2')).toBe(true);
    expect(logs.some((l) => l.message === 'stopped')).toBe(true);
  });

  it('reloads from the local outbox subscription, not from LATEST', async () => {
    const { dir, store } = await tempStore();
    await publishTestSnapshot(store, { version: 'v1', rows: makeRows(100, 6), createdAt: '2026-11-25T01:00:00Z' });
    const outbox = join(dir, 'outbox.ndjson');
    const p = start([
      '--store', pathToFileURL(join(dir, 'store')).href, '--dataset', 'promo', '--port', '0',
      '--subscription', pathToFileURL(outbox).href, '--poll-interval', '50', '--jitter', '0',
    ]);
    const url = await until(() => /listening on (\S+)/.exec(p.stdout())?.[1], 'listening', p);
    const version = async () => (await (await fetch(`${url}/v1/status`)).json()).version;
    expect(await version()).toBe('v1');
    await publishTestSnapshot(store, { version: 'v2', rows: makeRows(100, 6, 1), createdAt: '2026-11-25T02:00:00Z' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await version()).toBe('v1'); // LATEST moved, but nobody announced it
    const notifier = new OutboxNotifier(outbox);
    const announce = (v: string, event: 'published' | 'rolled_back' = 'published') =>
      notifier.publish({ dataset: 'promo', version: v, manifest_uri: store.uriOf(paths.manifest('promo', v)), as_of: '2026-11-25', rows: '100', event });
    await announce('v2');
    await until(async () => (await version()) === 'v2', 'v2 via the outbox', p);
    await announce('v1'); // out of order: ignored
    await announce('v1', 'rolled_back');
    await until(async () => (await version()) === 'v1', 'rollback to v1', p);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/promoscore_notifications_total\{source="notification",outcome="older"\} 1/);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  });

  it('reloads from a Pub/Sub subscription (gRPC double via PUBSUB_EMULATOR_HOST)', async () => {
    // the double: this checks the ack reached the service, which only the double's ack log shows
    const target = await openPubSubTarget({ forceDouble: true });
    cleanups.push(() => target.close());
    const t = await target.makeTopic();
    const notifier = createPubSubNotifier(t.topicTarget, { apiEndpoint: target.apiEndpoint });
    cleanups.push(() => notifier.close());
    const { dir, store } = await tempStore();
    await publishWithWriter(store, notifier, { version: 'v1', asOf: '2026-11-24', rows: makeRows(100, 9) });
    const p = start(
      ['--store', pathToFileURL(join(dir, 'store')).href, '--dataset', 'promo', '--port', '0', '--subscription', t.subscriptionUri, '--jitter', '0'],
      { PUBSUB_EMULATOR_HOST: target.apiEndpoint! },
    );
    const url = await until(() => /listening on (\S+)/.exec(p.stdout())?.[1], 'listening', p);
    const version = async () => (await (await fetch(`${url}/v1/status`)).json()).version;
    expect(await version()).toBe('v1');
    await publishWithWriter(store, notifier, { version: 'v2', asOf: '2026-11-25', rows: makeRows(100, 9, 1) });
    await until(async () => (await version()) === 'v2', 'v2 via Pub/Sub', p);
    await until(() => target.double!.acked(t.subscription).length >= 1, 'the v2 message acked', p);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it.each([
    [['--port', 'http'], /--port: expected an integer from 0 to 65535, got \\?"http/],
    [['--shards', '4/4'], /--shards: .*0 <= i < n/],
    [['--store', 'ftp://x'], /--store: .*ftp:\/\/x/],
    [['--subscription', 'pubsub://projects/x'], /--subscription/],
    [['--topic', 'pubsub://projects/my-project/topics/t', '--subscription', 'file://x.ndjson'], /--subscription and --topic: give one/],
    [['--topic', 'pubsub://projects/my-project/topics/t', '--replica-id', '../x'], /--replica-id/],
    [['--safety-poll', 'soon'], /--safety-poll/],
    [['--max-batch', '0'], /--max-batch/],
  ])('exits 2 on bad flags %j', async (args, message) => {
    const p = start(['--port', '0', ...args]);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toMatch(message);
  });

  it('has help with examples', async () => {
    const p = start(['--help']);
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toMatch(/Examples:\n\s+\$ promoscore serve/);
    expect(p.stdout()).toMatch(/--shards <i\/n>/);
  });
});
