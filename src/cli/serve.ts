import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import { createLogger, type LogFormat } from '../observability/log.ts';
import { DEFAULT_STORE_URI, openStore } from '../store/open.ts';
import { startScoreServer } from '../serving/http.ts';
import { parseShardSelection, type ShardSelection } from '../serving/load-snapshot.ts';
import { ScoreCache } from '../serving/loader.ts';
import { openNotificationSource } from '../notify/open.ts';
import { followNotifications, pollLatest, type Reloader } from '../serving/reload.ts';
import { action } from './exit.ts';
import { resolveConfig } from '../config/resolve.ts';

interface ServeFlags {
  job?: string;
  store?: string;
  dataset?: string;
  subscription?: string;
  port: string;
  host: string;
  shards?: string;
  pollInterval: string;
  maxBatch: string;
  concurrency: string;
  jitter: string;
  logFormat?: string;
}

function intFlag(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag}: "${value}" must be an integer in [${min}, ${max}]`);
  }
  return n;
}

const DATASET = /^[A-Za-z0-9_.-]{1,256}$/;

export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'Serve the latest verified snapshot over HTTP: loads it into memory, answers score lookups, and\n' +
        'hot-swaps newer versions as they are announced (Pub/Sub or the local outbox) or as LATEST moves.',
    )
    .option('--job <file>', 'job definition whose store and dataset to serve')
    .option('--store <uri>', `gs://BUCKET/PREFIX | file://DIR (env PROMOSCORE_STORE; default: ${DEFAULT_STORE_URI})`)
    .option('--dataset <name>', "snapshot dataset to serve (default: the job's, else promo_scores)")
    .option('--subscription <uri>', 'pubsub://projects/P/subscriptions/S | file://PATH.ndjson (default: poll LATEST)')
    .option('--port <n>', 'TCP port (0: any free port)', '8080')
    .option('--host <addr>', 'address to bind; loopback unless you mean to expose it', '127.0.0.1')
    .option('--shards <i/n>', 'serve only track buckets b with b % n == i (e.g. 0/4)')
    .option('--poll-interval <ms>', 'how often to check LATEST when no subscription is given', '2000')
    .option('--max-batch <n>', 'most keys per POST /v1/scores:batchGet', '1000')
    .option('--concurrency <n>', 'shard downloads in flight during a load', '4')
    .option('--jitter <ms>', 'random delay before a reload, so a fleet does not fetch at once', '2000')
    .option('--log-format <format>', 'json | text (default: text on a terminal, json otherwise)')
    .addHelpText(
      'after',
      `
Endpoints:
  GET  /v1/scores/{track_id}?market=SE&surface=radio   every campaign row of the key, best first (404: none)
  POST /v1/scores:batchGet   {"keys":[{"track_id":"…","market":"SE","surface":"radio"}, …]}
  GET  /healthz   /readyz (200 once a verified version is loaded)   /metrics (Prometheus)   /v1/status
  Every score answer carries the snapshot version in the x-promoscore-version header.

Examples:
  $ promoscore serve                                             # ./.promoscore/store, polls LATEST
  $ promoscore serve --store gs://my-bucket/promoscore --subscription pubsub://projects/my-proj/subscriptions/promo-serving
  $ promoscore serve --subscription file://./.promoscore/outbox.ndjson --port 9090
  $ promoscore serve --shards 1/4 --host 0.0.0.0                 # one of four replicas, reachable from other hosts
  $ curl 'http://127.0.0.1:8080/v1/scores/GCD0gTbSXq0V617XFalp6i?market=SE&surface=radio'

Stops cleanly on SIGTERM or SIGINT (in-flight requests finish, pending notifications are redelivered).`,
    )
    .action(
      action(async (flags: ServeFlags) => {
        if (flags.logFormat && flags.logFormat !== 'json' && flags.logFormat !== 'text') {
          throw new UsageError(`--log-format: "${flags.logFormat}" must be json or text`);
        }
        const port = intFlag('--port', flags.port, 0, 65535);
        const pollMs = intFlag('--poll-interval', flags.pollInterval, 10, 3_600_000);
        const maxBatch = intFlag('--max-batch', flags.maxBatch, 1, 100_000);
        const concurrency = intFlag('--concurrency', flags.concurrency, 1, 64);
        const jitterMs = intFlag('--jitter', flags.jitter, 0, 600_000);
        // flag > PROMOSCORE_STORE > job file > default, as every command (config/resolve.ts)
        const { store: storeUri, dataset } = resolveConfig({ job: flags.job, store: flags.store, dataset: flags.dataset });
        if (!DATASET.test(dataset)) throw new UsageError(`--dataset: "${dataset}" must be letters, digits, _ . -`);
        if (!flags.host.trim()) throw new UsageError('--host: empty address');
        let shards: ShardSelection | null = null;
        if (flags.shards !== undefined) {
          try {
            shards = parseShardSelection(flags.shards);
          } catch (err) {
            throw new UsageError(`--shards: ${(err as Error).message}`);
          }
        }
        const log = createLogger({ format: flags.logFormat as LogFormat | undefined, labels: { command: 'serve', dataset } });
        const store = await openStore(storeUri);
        const cache = new ScoreCache({ store, dataset, shards, concurrency, jitterMs, logger: log });
        const source = flags.subscription
          ? await openNotificationSource(flags.subscription, { flag: '--subscription', intervalMs: Math.min(pollMs, 500), logger: log })
          : null;

        const first = await cache.loadLatest();
        if (first.status !== 'loaded') log.warn('no verified snapshot yet; /readyz answers 503 until one loads', { status: first.status, detail: first.detail });
        const reloaders: Reloader[] = [];
        if (source) {
          reloaders.push(await followNotifications(cache, source));
          reloaders.push(pollLatest(cache, pollMs, { untilReady: true }));
        } else {
          reloaders.push(pollLatest(cache, pollMs));
        }
        let server;
        try {
          server = await startScoreServer({ cache, host: flags.host, port, maxBatch });
        } catch (err) {
          for (const r of reloaders) await r.stop();
          await store.close?.();
          throw new UsageError(`cannot listen on ${flags.host}:${port}: ${(err as Error).message}`);
        }
        log.notice(`listening on ${server.url}`, { store: store.uri, subscription: flags.subscription ?? null, shards: flags.shards ?? null });
        process.stdout.write(`listening on ${server.url}\n`);

        const signal = await new Promise<NodeJS.Signals>((resolve) => {
          process.once('SIGTERM', () => resolve('SIGTERM'));
          process.once('SIGINT', () => resolve('SIGINT'));
        });
        log.notice('shutting down', { signal });
        for (const r of reloaders) await r.stop();
        await server.close(5000);
        await cache.close();
        await store.close?.();
        log.notice('stopped');
        return 0;
      }),
    );
}

export const registerServe = register;
