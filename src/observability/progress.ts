/**
 * Progress for people: on a terminal, one line per stage whose timer ticks while the stage runs
 * (and a bar when the stage reports units), ending as `✓ stage  1.23s  note`; nothing at all when
 * stderr is not a TTY (schedulers read the structured logs instead). The clock and the ticker are
 * injectable so the rendering is tested without a terminal or real time.
 */
export interface Progress {
  /** start a stage (finishing one still open); `total` in units (rows, shards) when known */
  start(stage: string, total?: number): void;
  /** advance the current stage to `done` units */
  update(done: number): void;
  /** finish the current stage with a closing note */
  finish(note?: string): void;
  /** stop ticking; a stage still open (the run failed in it) ends as `✗ stage  3.21s` */
  close(): void;
}

export const noProgress: Progress = { start() {}, update() {}, finish() {}, close() {} };

/** What progress writes to: a TTY stream, or a fake one in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  write(s: string): unknown;
}

export interface ProgressOptions {
  /** milliseconds (default: performance.now) */
  now?: () => number;
  /** calls `fn` every `ms` until the returned function is called (default: an unref'd setInterval) */
  every?: (fn: () => void, ms: number) => () => void;
  /** how often the timer redraws (default 100 ms) */
  tickMs?: number;
}

const CLEAR = '\r\x1b[2K';
const WIDTH = 28;
const NAME = 10;

function realEvery(fn: () => void, ms: number): () => void {
  const t = setInterval(fn, ms);
  t.unref(); // the display never keeps a finished process alive
  return () => clearInterval(t);
}

export function createProgress(stream: ProgressStream = process.stderr, opts: ProgressOptions = {}): Progress {
  if (!stream.isTTY) return noProgress;
  const now = opts.now ?? (() => performance.now());
  const every = opts.every ?? realEvery;
  const tickMs = opts.tickMs ?? 100;
  let stage: string | null = null;
  let total = 0;
  let done: number | null = null;
  let started = 0;
  let lastDraw = -Infinity;
  let stopTicker: (() => void) | null = null;

  const draw = () => {
    if (stage === null) return;
    const t = now();
    lastDraw = t;
    let bar = '';
    // a bar only once the stage has reported progress: a bar frozen at 0% says less than a timer
    if (total > 0 && done !== null) {
      const f = Math.min(1, done / total);
      const filled = Math.round(f * WIDTH);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(f * 100).toFixed(0).padStart(3)}% `;
    }
    stream.write(`${CLEAR}  ${stage.padEnd(NAME)} ${bar}${((t - started) / 1000).toFixed(1)}s`);
  };
  const end = (mark: string, note?: string) => {
    if (stage === null) return;
    stopTicker?.();
    stopTicker = null;
    const secs = ((now() - started) / 1000).toFixed(2);
    stream.write(`${CLEAR}${mark} ${stage.padEnd(NAME)} ${secs}s${note ? '  ' + note : ''}\n`);
    stage = null;
  };

  return {
    start(name, t) {
      end('✓');
      stage = name;
      total = t ?? 0;
      done = null;
      started = now();
      draw();
      stopTicker = every(draw, tickMs);
    },
    update(n) {
      const first = done === null;
      done = n;
      // redraws are throttled: a tight loop must not spend its time painting
      if (first || now() - lastDraw >= 80) draw();
    },
    finish(note) {
      end('✓', note);
    },
    close() {
      end('✗');
    },
  };
}

/** "45 checks passed, 2 dropped rows": the closing note of a gate stage. */
export function checkNote(results: readonly { status: string; offending: number }[]): string {
  const passed = results.filter((r) => r.status === 'pass').length;
  const dropped = results.filter((r) => r.status === 'dropped').reduce((s, r) => s + r.offending, 0);
  const warned = results.filter((r) => r.status === 'warned').length;
  return [`${passed} of ${results.length} checks passed`, dropped ? `${dropped} rows dropped` : '', warned ? `${warned} warnings` : ''].filter(Boolean).join(', ');
}
