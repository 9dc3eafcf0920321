import type { NotificationSource } from '../notify/port.ts';
import type { LoadOutcome, ScoreCache } from './loader.ts';

/**
 * The two ways a running cache learns of new versions:
 * - polling LATEST (any store; a stat per interval, a read only when its generation moves);
 * - a notification source (Pub/Sub subscription): each message is acked only after the new version
 *   is swapped in or found not to be needed; a load that failed for store reasons is nacked so it is
 *   redelivered, a corrupt version is acked (redelivery cannot fix it; logs and metrics say why).
 */
export interface Reloader {
  stop(): Promise<void>;
}

export interface LatestPoller extends Reloader {
  /** checks every `ms` from now on; with `now`, checks at once */
  setInterval(ms: number, opts?: { now?: boolean }): void;
}

/**
 * Polls LATEST every `intervalMs`; until the first verified load, every `notReadyMs` when that is
 * shorter (a replica with nothing to serve should not wait for a slow safety-net interval).
 */
export function pollLatest(cache: ScoreCache, intervalMs: number, opts: { notReadyMs?: number } = {}): LatestPoller {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let ticking = false;
  let interval = intervalMs;
  let last: LoadOutcome | null = null;
  let running: Promise<void> = Promise.resolve();
  const tick = async () => {
    try {
      const retry = !cache.ready || (last?.status === 'failed' && last.retryable);
      if (retry || (await cache.latestGenerationChanged())) last = await cache.loadLatest({ jitter: cache.ready });
    } catch (err) {
      cache.logger.warn('checking LATEST failed', { error: (err as Error).message });
    }
  };
  const schedule = (delay = interval) => {
    if (stopped) return;
    cache.metrics.latestPollIntervalMs = interval;
    if (!cache.ready && opts.notReadyMs !== undefined) delay = Math.min(delay, opts.notReadyMs);
    timer = setTimeout(() => {
      timer = null;
      ticking = true;
      running = tick().finally(() => {
        ticking = false;
        schedule();
      });
    }, delay);
  };
  schedule();
  return {
    setInterval(ms, o = {}) {
      interval = ms;
      cache.metrics.latestPollIntervalMs = ms;
      if (ticking || stopped) return; // the running check schedules the next with the new interval
      if (timer) clearTimeout(timer);
      schedule(o.now ? 0 : ms);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      cache.metrics.latestPollIntervalMs = null;
    },
  };
}

export async function followNotifications(cache: ScoreCache, source: NotificationSource): Promise<Reloader> {
  let inflight = 0;
  let stopped = false;
  let drained: (() => void) | null = null;
  await source.start(async (message) => {
    if (stopped) {
      message.nack(); // shutting down: let another replica (or our next start) take it
      return;
    }
    inflight++;
    try {
      const outcome = await cache.handleNotification(message.attributes);
      if (outcome.status === 'failed' && outcome.retryable) message.nack();
      else message.ack();
    } catch {
      message.nack();
    } finally {
      inflight--;
      if (inflight === 0) drained?.();
    }
  });
  return {
    async stop() {
      stopped = true;
      // finish (and ack) the loads in flight before the subscription closes and flushes its acks
      if (inflight > 0) await new Promise<void>((resolve) => (drained = resolve));
      await source.close();
    },
  };
}
