import { hostname } from 'node:os';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import { createLogger, type LogFormat, type Logger } from '../observability/log.ts';
import { DEFAULT_DATASET, DEFAULT_STORE_URI } from '../config/defaults.ts';
import { openStore } from '../store/open.ts';
import { startScoreServer } from '../serving/http.ts';
import { parseShardSelection, type ShardSelection } from '../serving/load-snapshot.ts';
import { ScoreCache } from '../serving/loader.ts';
import { openNotificationSource, openTopicSource } from '../notify/open.ts';
import type { NotificationSource } from '../notify/port.ts';
import { followWithFallback } from '../serving/follow.ts';
import { pollLatest, type Reloader } from '../serving/reload.ts';
import { action } from './exit.ts';
import { numberFlag } from './options.ts';
import { resolveConfig } from '../config/resolve.ts';

interface ServeFlags {
  job?: string;
  store?: string;
  dataset?: string;
  subscription?: string;
  topic?: string;
  replicaId?: string;
  safetyPoll: string;
  port: string;
  host: string;
  shards?: string;
  pollInterval: string;
  maxBatch: string;
  concurrency: string;
  jitter: string;
  logFormat?: string;
}

const DATASET = /^[A-Za-z0-9_.-]{1,256}$/;
const REPLICA = /^[A-Za-z0-9][A-Za-z0-9._~+%-]{0,99}$/;

/** This process's name in the fleet: the host (a pod or instance name) and the process id. */
function defaultReplicaId(): string {
  return `${hostname().replace(/[^A-Za-z0-9._~+%-]/g, '-').slice(0, 80)}-${process.pid}`;
}

/** Where notifications come from: a subscription given, or the replica's own on a topic given. */
interface SourcePlan {
  /** opens the source and says which subscription it follows (shown in status and logs) */
  open(failed: (err: Error) => void): Promise<{ source: NotificationSource; subscription: string }>;
  /** a clean shutdown deletes the replica's own subscription */
  cleanup(): Promise<void>;
}

function planSource(flags: ServeFlags, intervalMs: number, logger: Logger): SourcePlan | null {
  if (flags.subscription && flags.topic) throw new UsageError("--subscription and --topic: give one (--topic: a subscription of this replica's own)");
  if (flags.subscription) {
    const uri = flags.subscription;
    return {
      async open(onError) {
        return { source: await openNotificationSource(uri, { flag: '--subscription', intervalMs, logger, onError }), subscription: uri };
      },
      async cleanup() {},
    };
  }
  if (flags.topic) {
    const uri = flags.topic;
    const replica = flags.replicaId ?? defaultReplicaId();
    if (!REPLICA.test(replica)) throw new UsageError(`--replica-id: "${replica}" must be 1-100 letters, digits, . _ ~ + % -, starting with a letter or digit`);
    let remove = async () => {};
    return {
      async open(onError) {
        const opened = await openTopicSource(uri, { flag: '--topic', replica, intervalMs, logger, onError });
        remove = opened.remove;
        return opened;
      },
      cleanup: () => remove(),
    };
  }
  return null;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'Serve the latest verified snapshot over HTTP: loads it into memory, answers score lookups, and\n' +
        'hot-swaps newer versions as they are announced (Pub/Sub or the local outbox) or as LATEST moves.',
    )
    .option('--job <file>', 'job definition whose store and dataset to serve')
    .option('--store <uri>', `gs://BUCKET/PREFIX | file://DIR (env PROMOSCORE_STORE; default: ${DEFAULT_STORE_URI})`)
    .option('--dataset <name>', `snapshot dataset to serve (default: the job's, else ${DEFAULT_DATASET})`)
    .option('--topic <uri>', "pubsub://projects/P/topics/T: follow the topic through a subscription of this replica's own (created at start, deleted at a clean stop)")
    .option('--replica-id <name>', "names the replica's subscription with --topic (default: host name and process id)")
    .option('--subscription <uri>', 'pubsub://projects/P/subscriptions/S (pre-created, one per replica) | file://PATH.ndjson (default: poll LATEST)')
    .option('--port <n>', 'TCP port (0: any free port)', '8080')
    .option('--host <addr>', 'address to bind; loopback unless you mean to expose it', '127.0.0.1')
    .option('--shards <i/n>', 'serve only track buckets b with b % n == i (e.g. 0/4)')
    .option('--poll-interval <ms>', 'how often to check LATEST without notifications, or while the subscription is down', '2000')
    .option('--safety-poll <ms>', 'how often to check LATEST while notifications arrive, to catch a message that never came', '60000')
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
  $ promoscore serve --store gs://my-bucket/promoscore --topic pubsub://projects/my-proj/topics/promoscore-snapshots
  $ promoscore serve --subscription pubsub://projects/my-proj/subscriptions/promo-serving-0   # pre-created, this replica's only
  $ promoscore serve --subscription file://./.promoscore/outbox.ndjson --port 9090
  $ promoscore serve --shards 1/4 --host 0.0.0.0                 # one of four replicas, reachable from other hosts
  $ curl 'http://127.0.0.1:8080/v1/scores/GCD0gTbSXq0V617XFalp6i?market=SE&surface=radio'

Every replica needs a subscription of its own (Pub/Sub gives each message of a subscription to one
consumer): --topic creates it. LATEST is also checked every --safety-poll ms, and every --poll-interval
ms while the subscription is down (/v1/status "notifications", /metrics promoscore_notification_source_up).
Stops cleanly on SIGTERM or SIGINT (in-flight requests finish, pending notifications are redelivered,
the --topic subscription is deleted).`,
    )
    .action(
      action(async (flags: ServeFlags) => {
        if (flags.logFormat && flags.logFormat !== 'json' && flags.logFormat !== 'text') {
          throw new UsageError(`--log-format: "${flags.logFormat}" must be json or text`);
        }
        const port = numberFlag('--port', flags.port, 0, 65535, { integer: true });
        const pollMs = numberFlag('--poll-interval', flags.pollInterval, 10, 3_600_000, { integer: true });
        const safetyPollMs = numberFlag('--safety-poll', flags.safetyPoll, 10, 86_400_000, { integer: true });
        const maxBatch = numberFlag('--max-batch', flags.maxBatch, 1, 100_000, { integer: true });
        const concurrency = numberFlag('--concurrency', flags.concurrency, 1, 64, { integer: true });
        const jitterMs = numberFlag('--jitter', flags.jitter, 0, 600_000, { integer: true });
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
        const plan = planSource(flags, Math.min(pollMs, 500), log);

        // the subscription first, so that nothing announced during the first load is missed
        const reloaders: Reloader[] = [];
        if (plan) reloaders.push(await followWithFallback(cache, { open: plan.open, pollMs, safetyPollMs }));
        const first = await cache.loadLatest();
        if (first.status !== 'loaded') log.warn('no verified snapshot yet; /readyz answers 503 until one loads', { status: first.status, detail: first.detail });
        if (!plan) reloaders.push(pollLatest(cache, pollMs));
        const stopFollowing = async () => {
          for (const r of reloaders) await r.stop();
          await plan?.cleanup().catch((err: Error) => log.warn('could not delete the replica subscription; it expires by itself', { error: err.message }));
        };
        let server;
        try {
          server = await startScoreServer({ cache, host: flags.host, port, maxBatch });
        } catch (err) {
          await stopFollowing();
          await store.close?.();
          throw new UsageError(`cannot listen on ${flags.host}:${port}: ${(err as Error).message}`);
        }
        log.notice(`listening on ${server.url}`, { store: store.uri, subscription: cache.metrics.notificationSource?.subscription ?? null, shards: flags.shards ?? null });
        process.stdout.write(`listening on ${server.url}\n`);

        const signal = await new Promise<NodeJS.Signals>((resolve) => {
          process.once('SIGTERM', () => resolve('SIGTERM'));
          process.once('SIGINT', () => resolve('SIGINT'));
        });
        log.notice('shutting down', { signal });
        await stopFollowing();
        await server.close(5000);
        await cache.close();
        await store.close?.();
        log.notice('stopped');
        return 0;
      }),
    );
}

export const registerServe = register;
