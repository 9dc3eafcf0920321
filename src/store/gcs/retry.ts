/**
 * Retry policy for Cloud Storage calls. The client's own retries are off so that this module sees
 * every attempt: it must know whether an earlier attempt may have been applied before a later one
 * reports a failed precondition.
 */
import { retry, type RetryPolicy } from '../../core/retry.ts';

export type { RetryPolicy } from '../../core/retry.ts';

/** Backoff without jitter: reruns behave the same, and few writers contend here. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 250, maxDelayMs: 8000 };

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RETRYABLE_NET = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED']);

/** The HTTP status carried by an error from the storage client (ApiError, GaxiosError, upload error). */
export function httpStatusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; status?: unknown; response?: { status?: unknown } } | null;
  if (!e || typeof e !== 'object') return undefined;
  if (typeof e.code === 'number') return e.code;
  if (typeof e.code === 'string' && /^\d{3}$/.test(e.code)) return Number(e.code);
  if (typeof e.status === 'number') return e.status;
  if (typeof e.response?.status === 'number') return e.response.status;
  // the resumable uploader reports a failed chunk as a plain Error: "Retry limit exceeded - status: 503 - ..."
  const m = /\bstatus: (\d{3})\b/.exec(String((err as Error).message ?? ''));
  return m ? Number(m[1]) : undefined;
}

/** Bytes that arrived damaged: worth another download, the copy at rest may be intact. */
export class TransferMismatch extends Error {
  override name = 'TransferMismatch';
}

export function isRetryable(err: unknown): boolean {
  if (err instanceof TransferMismatch) return true;
  const status = httpStatusOf(err);
  if (status !== undefined) return RETRYABLE_STATUS.has(status);
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code.toUpperCase() : '';
  if (RETRYABLE_NET.has(code)) return true;
  const msg = typeof e?.message === 'string' ? e.message : '';
  return /socket hang up|ECONNRESET|ECONNREFUSED|other side closed|premature close/i.test(msg);
}

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error, or the attempts run out. `fn`
 * receives the attempt number (1-based) and whether an earlier attempt failed (retryably: only
 * those are followed by another).
 */
export function withRetry<T>(policy: RetryPolicy, fn: (attempt: number, retried: boolean) => Promise<T>): Promise<T> {
  return retry(policy, (attempt) => fn(attempt, attempt > 1), { retryable: isRetryable });
}
