/**
 * Progress for people: a one-line bar on a terminal, redrawn in place; nothing at all when stderr is
 * not a TTY (schedulers read the structured logs instead).
 */
export interface Progress {
  /** start a stage; `total` in units (rows, shards) when known */
  start(stage: string, total?: number): void;
  /** advance the current stage to `done` units */
  update(done: number): void;
  /** finish the current stage with a closing note */
  finish(note?: string): void;
}

export const noProgress: Progress = { start() {}, update() {}, finish() {} };

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return noProgress;
  let stage = '';
  let total = 0;
  let started = 0;
  let lastDraw = 0;
  const width = 28;
  const draw = (done: number, force = false) => {
    const now = Date.now();
    if (!force && now - lastDraw < 80) return; // redraws are throttled: a tight loop must not spend its time painting
    lastDraw = now;
    const secs = ((now - started) / 1000).toFixed(1);
    let bar = '';
    if (total > 0) {
      const f = Math.min(1, done / total);
      const filled = Math.round(f * width);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% `;
    }
    stream.write(`\r\x1b[2K${stage.padEnd(10)} ${bar}${secs}s`);
  };
  return {
    start(name, t) {
      stage = name;
      total = t ?? 0;
      started = Date.now();
      draw(0, true);
    },
    update(done) {
      draw(done);
    },
    finish(note) {
      const secs = ((Date.now() - started) / 1000).toFixed(2);
      stream.write(`\r\x1b[2K✓ ${stage.padEnd(10)} ${secs}s${note ? '  ' + note : ''}\n`);
    },
  };
}
