/**
 * The serving cache's metrics in Prometheus text format (exposition 0.0.4). Kept to counters, gauges
 * and one histogram, written by hand: the cache needs a dozen series, not a client library.
 */
const LOAD_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(obj: Record<string, string>): string {
  const parts = Object.entries(obj).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export interface CounterCell {
  n: number;
}

class LabeledCounter {
  private readonly values = new Map<string, { labels: Record<string, string>; n: number }>();
  inc(l: Record<string, string>, by = 1): void {
    this.cell(l).n += by;
  }
  /** The cell of one label set, for hot paths that count without building a key per call. */
  cell(l: Record<string, string>): CounterCell {
    const key = JSON.stringify(l);
    let cur = this.values.get(key);
    if (!cur) this.values.set(key, (cur = { labels: l, n: 0 }));
    return cur;
  }
  get(l: Record<string, string>): number {
    return this.values.get(JSON.stringify(l))?.n ?? 0;
  }
  lines(name: string): string[] {
    return [...this.values.values()].map((v) => `${name}${labels(v.labels)} ${v.n}`);
  }
}

export interface SnapshotGauge {
  dataset: string;
  version: string;
  /** manifest created_at, epoch ms */
  createdAt: number;
  rows: number;
  keys: number;
  loadedAt: number;
}

/** How the replica learns of new versions, for /metrics and /v1/status (set by the follower). */
export interface NotificationState {
  /** the subscription followed (pubsub:// or file://) */
  subscription: string;
  /** up: messages arrive; down: the subscription failed and LATEST is polled until it is back */
  state: 'up' | 'down';
  since: string;
  /** why it is down (the last failure) */
  error: string | null;
  /** times it went down */
  failures: number;
}

export class ServingMetrics {
  readonly lookups = new LabeledCounter();
  readonly misses = new LabeledCounter();
  readonly requests = new LabeledCounter();
  readonly loadFailures = new LabeledCounter();
  readonly notifications = new LabeledCounter();
  private readonly loadBuckets = new Array<number>(LOAD_BUCKETS.length).fill(0);
  private loadCount = 0;
  private loadSum = 0;
  snapshot: SnapshotGauge | null = null;
  lastFailureAt = 0;
  notificationSource: NotificationState | null = null;
  /** how often LATEST is checked now, ms (null: not polled) */
  latestPollIntervalMs: number | null = null;

  observeLoad(seconds: number): void {
    this.loadCount++;
    this.loadSum += seconds;
    for (let i = 0; i < LOAD_BUCKETS.length; i++) if (seconds <= LOAD_BUCKETS[i]) this.loadBuckets[i]++;
  }

  get loads(): number {
    return this.loadCount;
  }

  render(now = Date.now()): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string, lines: string[]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
    };
    family('promoscore_lookups_total', 'counter', 'Keys looked up, by endpoint.', this.lookups.lines('promoscore_lookups_total'));
    family('promoscore_lookup_misses_total', 'counter', 'Keys looked up that the snapshot does not hold.', this.misses.lines('promoscore_lookup_misses_total'));
    family('promoscore_http_requests_total', 'counter', 'HTTP requests by route and status code.', this.requests.lines('promoscore_http_requests_total'));
    const hist: string[] = [];
    LOAD_BUCKETS.forEach((b, i) => hist.push(`promoscore_snapshot_load_duration_seconds_bucket{le="${b}"} ${this.loadBuckets[i]}`));
    hist.push(`promoscore_snapshot_load_duration_seconds_bucket{le="+Inf"} ${this.loadCount}`);
    hist.push(`promoscore_snapshot_load_duration_seconds_sum ${this.loadSum}`);
    hist.push(`promoscore_snapshot_load_duration_seconds_count ${this.loadCount}`);
    family('promoscore_snapshot_load_duration_seconds', 'histogram', 'Time to download, verify and index a snapshot.', hist);
    family('promoscore_snapshot_load_failures_total', 'counter', 'Snapshot loads that failed (the previous version kept serving), by reason.', this.loadFailures.lines('promoscore_snapshot_load_failures_total'));
    family('promoscore_snapshot_last_load_failure_timestamp_seconds', 'gauge', 'When the last load failed (0: never).', [
      `promoscore_snapshot_last_load_failure_timestamp_seconds ${this.lastFailureAt / 1000}`,
    ]);
    const n = this.notificationSource;
    family('promoscore_notification_source_up', 'gauge', 'Whether the notification subscription delivers (0: it failed; LATEST is polled until it is back).', n ? [`promoscore_notification_source_up ${n.state === 'up' ? 1 : 0}`] : []);
    family('promoscore_notification_source_failures_total', 'counter', 'Times the notification subscription failed.', n ? [`promoscore_notification_source_failures_total ${n.failures}`] : []);
    family('promoscore_latest_poll_interval_seconds', 'gauge', 'How often LATEST is checked now (fast while notifications are down, slow as a safety net otherwise).', this.latestPollIntervalMs === null ? [] : [`promoscore_latest_poll_interval_seconds ${this.latestPollIntervalMs / 1000}`]);
    family('promoscore_notifications_total', 'counter', 'Snapshot notifications and LATEST changes seen, by outcome.', this.notifications.lines('promoscore_notifications_total'));
    const s = this.snapshot;
    family('promoscore_snapshot_info', 'gauge', 'The version being served (value 1).', s ? [`promoscore_snapshot_info${labels({ dataset: s.dataset, version: s.version })} 1`] : []);
    family('promoscore_snapshot_version_age_seconds', 'gauge', 'Age of the served version (now - manifest created_at).', s ? [`promoscore_snapshot_version_age_seconds ${Math.max(0, (now - s.createdAt) / 1000)}`] : []);
    family('promoscore_snapshot_rows', 'gauge', 'Rows held by the served version.', s ? [`promoscore_snapshot_rows ${s.rows}`] : []);
    family('promoscore_snapshot_keys', 'gauge', 'Distinct (track_id, market, surface) keys held.', s ? [`promoscore_snapshot_keys ${s.keys}`] : []);
    family('promoscore_snapshot_loaded_timestamp_seconds', 'gauge', 'When the served version was swapped in.', s ? [`promoscore_snapshot_loaded_timestamp_seconds ${s.loadedAt / 1000}`] : []);
    return out.join('\n') + '\n';
  }
}
