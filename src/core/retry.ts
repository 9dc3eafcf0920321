/**
 * One retry loop for every adapter that talks to a service: exponential backoff, capped, with
 * optional full jitter. Jitter draws from a caller's seeded source, so tests stay reproducible
 * while a fleet of replicas, each seeded differently, does not retry in lockstep.
 */
import { sleep } from './sleep.ts';

export interface Backoff {
  /** the wait after the first failure */
  initialDelayMs: number;
  /** no wait is longer */
  maxDelayMs: number;
  /** full jitter: each wait is drawn from [0, delay) with this source of [0, 1) numbers; without it waits are exact */
  jitter?: () => number;
}

export interface RetryPolicy extends Backoff {
  /** total attempts, the first included */
  attempts: number;
}

/** The wait after `failedAttempts` failures (1 after the first): initial · 2^(n-1), capped, jittered if asked. */
export function backoffDelay(b: Backoff, failedAttempts: number): number {
  const delay = Math.min(b.maxDelayMs, b.initialDelayMs * 2 ** Math.max(0, failedAttempts - 1));
  return b.jitter ? (delay > 0 ? Math.floor(b.jitter() * delay) : 0) : delay;
}

export interface RetryHooks {
  /** whether a failure is worth another attempt; others are thrown at once */
  retryable: (err: unknown) => boolean;
  /** told of every failure, before the wait; `willRetry` is false for the one that is thrown */
  onFailure?: (err: unknown, attempt: number, willRetry: boolean) => void;
}

/**
 * Runs `fn` (given the 1-based attempt number) until it succeeds, fails with an error that is not
 * retryable, or the attempts run out; then the last error is thrown as it is.
 */
export async function retry<T>(policy: RetryPolicy, fn: (attempt: number) => Promise<T>, hooks: RetryHooks): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const willRetry = attempt < policy.attempts && hooks.retryable(err);
      hooks.onFailure?.(err, attempt, willRetry);
      if (!willRetry) throw err;
      await sleep(backoffDelay(policy, attempt));
    }
  }
}
