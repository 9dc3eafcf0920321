/**
 * A serving fleet's reload time on Google's Pub/Sub emulator: three `promoscore serve --topic`
 * replicas (each with a subscription of its own), a new version published through the real publish
 * protocol, and the time from the notification's publish call to the moment the last of the three
 * answers with the new version (median of 5), with no jitter and with the default 2 s jitter.
 * Needs PUBSUB_EMULATOR_HOST (`gcloud beta emulators pubsub start --host-port=127.0.0.1:8085`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseNotifyUri, type PubSubTopicTarget } from '../src/config/uri.ts';
import { makePubSub } from '../src/notify/pubsub/client.ts';
import { createPubSubNotifier } from '../src/notify/pubsub/notifier.ts';
import type { Notifier } from '../src/notify/port.ts';
import { LocalStore } from '../src/store/local/store.ts';
import { makeRows, publishWithWriter } from '../test/serving/support.ts';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
const ROUNDS = 5;
const ROWS = 20_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function versionOf(url: string): Promise<string | null> {
  try {
    return ((await (await fetch(`${url}/v1/status`)).json()) as { version: string | null }).version;
  } catch {
    return null;
  }
}

async function fleet(storeUri: string, topicUri: string, jitterMs: number): Promise<{ urls: string[]; stop: () => Promise<void> }> {
  const children: ChildProcess[] = [];
  const urls = await Promise.all(
    [0, 1, 2].map(
      (i) =>
        new Promise<string>((ok, fail) => {
          const child = spawn(
            process.execPath,
            ['bin/promoscore.mjs', 'serve', '--store', storeUri, '--dataset', 'promo', '--port', '0', '--topic', topicUri, '--jitter', String(jitterMs), '--replica-id', `bench-${jitterMs}-${i}`],
            { cwd: REPO, env: { ...process.env, PROMOSCORE_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] },
          );
          children.push(child);
          let out = '';
          child.stdout!.on('data', (d) => {
            out += d;
            const m = /listening on (\S+)/.exec(out);
            if (m) ok(m[1]);
          });
          child.once('exit', (code) => fail(new Error(`serve exited ${code} before listening`)));
        }),
    ),
  );
  return {
    urls,
    async stop() {
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
    },
  };
}

async function measure(jitterMs: number, topic: PubSubTopicTarget, store: LocalStore, storeUri: string, notifier: Notifier, next: () => string): Promise<number[]> {
  const f = await fleet(storeUri, topic.uri, jitterMs);
  const times: number[] = [];
  let publishedAt = 0;
  const timed: Notifier = { uri: notifier.uri, close: () => notifier.close(), publish: (a) => ((publishedAt = performance.now()), notifier.publish(a)) };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const version = next();
      const day = String(10 + Number(version.slice(1))).padStart(2, '0');
      await publishWithWriter(store, timed, { version, asOf: `2026-10-${day}`, rows: makeRows(ROWS, 7, Number(version.slice(1))) });
      const pending = new Set(f.urls);
      while (pending.size) {
        for (const url of [...pending]) if ((await versionOf(url)) === version) pending.delete(url);
        if (pending.size) await sleep(5);
      }
      times.push(performance.now() - publishedAt);
    }
  } finally {
    await f.stop();
  }
  return times;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(): Promise<void> {
  if (!process.env.PUBSUB_EMULATOR_HOST) {
    console.log('skipped: set PUBSUB_EMULATOR_HOST to a running emulator (gcloud beta emulators pubsub start --host-port=127.0.0.1:8085)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'promoscore-bench-fleet-'));
  const admin = makePubSub('promoscore-bench');
  const [topic] = await admin.createTopic(`promoscore-bench-${process.pid}`);
  const target = parseNotifyUri(`pubsub://${topic.name}`) as PubSubTopicTarget;
  const notifier = createPubSubNotifier(target);
  const store = new LocalStore(join(dir, 'store'));
  const storeUri = pathToFileURL(join(dir, 'store')).href;
  let n = 0;
  const next = () => `v${++n}`;
  try {
    await publishWithWriter(store, notifier, { version: next(), asOf: '2026-10-11', rows: makeRows(ROWS, 7, 1) });
    for (const jitter of [0, 2000]) {
      const t = await measure(jitter, target, store, storeUri, notifier, next);
      console.log(`jitter ${jitter} ms: publish -> last of 3 replicas serving: median ${median(t).toFixed(0)} ms (runs: ${t.map((x) => x.toFixed(0)).join(', ')} ms; ${ROWS} rows)`);
    }
  } finally {
    await notifier.close();
    await topic.delete().catch(() => undefined);
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
