/**
 * The doubles' fault injection: a test queues "fail the nth request of this kind" and the double asks
 * the queue at each request whether one is due. Shared by the GCS and Pub/Sub doubles so both count
 * the same way.
 */
export interface FaultQueue<F, K> {
  /** queues a fault; its `nth` counts requests of its kind from now (1 = the next one) */
  add(fault: F): void;
  /**
   * Counts one request of `kind` against every queued fault of that kind and returns the first one
   * that came due (or null); every fault that came due is dropped, so each fires at most once.
   */
  take(kind: K): F | null;
  /** drops faults not yet triggered */
  clear(): void;
}

export function createFaultQueue<F extends { nth: number }, K>(kindOf: (fault: F) => K): FaultQueue<F, K> {
  const pending: { fault: F; remaining: number }[] = [];
  return {
    add(fault) {
      if (!Number.isInteger(fault.nth) || fault.nth < 1) throw new Error(`fault.nth must be a positive integer, got ${fault.nth}`);
      pending.push({ fault: { ...fault }, remaining: fault.nth });
    },
    take(kind) {
      let hit: F | null = null;
      for (const p of pending) {
        if (kindOf(p.fault) !== kind) continue;
        p.remaining -= 1;
        if (p.remaining === 0 && !hit) hit = p.fault;
      }
      for (let i = pending.length - 1; i >= 0; i--) if (pending[i].remaining <= 0) pending.splice(i, 1);
      return hit;
    },
    clear() {
      pending.length = 0;
    },
  };
}
