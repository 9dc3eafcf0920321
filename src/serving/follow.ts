import type { NotificationSource } from '../notify/port.ts';
import type { ScoreCache } from './loader.ts';
import { followNotifications, pollLatest, type LatestPoller, type Reloader } from './reload.ts';

/**
 * Following a notification subscription so that it cannot die silently:
 * - while the subscription delivers, LATEST is still checked every `safetyPollMs`, so a message
 *   that never arrives (lost, expired, given to another consumer) is caught within that interval;
 * - when the subscription fails for good (deleted, permission revoked), the failure shows in
 *   /v1/status (`notifications`, `last_error`), /metrics and the logs, LATEST is checked every
 *   `pollMs`, and the subscription is opened again with exponential backoff; once it is back, the
 *   slow safety-net interval resumes.
 * The replica stays ready throughout: what it serves follows LATEST either way.
 */
export interface FollowOptions {
  /**
   * Opens the source (creating the subscription when the replica owns one) and says which
   * subscription it follows; `failed` is called when the opened source stops delivering for good.
   */
  open(failed: (err: Error) => void): Promise<{ source: NotificationSource; subscription: string }>;
  /** how often LATEST is checked while the subscription is down (and before the first load) */
  pollMs: number;
  /** how often LATEST is checked while the subscription delivers */
  safetyPollMs: number;
  /** first and longest wait between attempts to open the subscription again (default 1 s, 60 s) */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export async function followWithFallback(cache: ScoreCache, o: FollowOptions): Promise<Reloader> {
  const retryMinMs = o.retryMinMs ?? 1000;
  const retryMaxMs = o.retryMaxMs ?? 60_000;
  const state = { subscription: '', state: 'up' as 'up' | 'down', since: new Date().toISOString(), error: null as string | null, failures: 0 };
  cache.metrics.notificationSource = state;
  let stopped = false;
  let generation = 0; // a failure reported by a source that was replaced already is old news
  let reloader: Reloader | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let retrying: Promise<void> = Promise.resolve();
  const log = () => cache.logger.child({ subscription: state.subscription });

  const open = async (): Promise<Reloader> => {
    const mine = ++generation;
    const { source, subscription } = await o.open((err) => {
      if (mine === generation) onFailure(err);
    });
    state.subscription = subscription;
    return followNotifications(cache, source);
  };

  const onFailure = (err: Error) => {
    if (stopped || state.state === 'down') return;
    Object.assign(state, { state: 'down', since: new Date().toISOString(), error: err.message, failures: state.failures + 1 });
    cache.reportError(`notification subscription ${state.subscription} failed: ${err.message}`);
    log().error('notification subscription failed; polling LATEST until it is back', { error: err.message, poll_interval_ms: o.pollMs });
    poller.setInterval(o.pollMs, { now: true });
    scheduleRetry(retryMinMs);
  };

  const scheduleRetry = (delay: number) => {
    if (stopped) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      retrying = reopen(delay);
    }, delay);
  };

  const reopen = async (delay: number) => {
    const old = reloader;
    reloader = null;
    await old?.stop().catch(() => undefined);
    if (stopped) return;
    try {
      reloader = await open();
    } catch (err) {
      const next = Math.min(retryMaxMs, delay * 2);
      state.error = (err as Error).message;
      log().warn('notification subscription still unavailable; polling LATEST', { error: state.error, retry_in_ms: next });
      scheduleRetry(next);
      return;
    }
    if (stopped) return void (await reloader.stop());
    Object.assign(state, { state: 'up', since: new Date().toISOString(), error: null });
    log().notice('notification subscription delivers again', { safety_poll_interval_ms: o.safetyPollMs });
    // what was announced while it was down is in LATEST: one check now, then the slow interval
    poller.setInterval(o.safetyPollMs, { now: true });
  };

  const poller: LatestPoller = pollLatest(cache, o.safetyPollMs, { notReadyMs: o.pollMs });
  try {
    reloader = await open(); // the first open fails the start: a wrong name or a missing permission is for the operator
  } catch (err) {
    await poller.stop();
    throw err;
  }
  return {
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      await retrying;
      await poller.stop();
      await reloader?.stop();
    },
  };
}
