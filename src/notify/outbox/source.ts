import { promises as fsp } from 'node:fs';
import type { OutboxMessage } from './notifier.ts';
import type { NotificationMessage, NotificationSource } from '../port.ts';

/**
 * The local stand-in for a Pub/Sub subscription: tails the ndjson outbox the local notifier appends
 * to. Messages are handled in file order; a nacked message is delivered again on the next poll
 * (at-least-once, like Pub/Sub), so the cache's dedupe is exercised the same way. Starts at the end
 * of the file unless `fromStart`: history is LATEST's job, the outbox only says "something moved".
 */
export class OutboxSource implements NotificationSource {
  private offset = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  readonly file: string;
  private readonly opts: { intervalMs?: number; fromStart?: boolean; onError?: (err: Error) => void };

  constructor(
    file: string,
    opts: { intervalMs?: number; fromStart?: boolean; onError?: (err: Error) => void } = {},
  ) {
    this.file = file;
    this.opts = opts;
  }

  async start(handler: (message: NotificationMessage) => Promise<void>): Promise<void> {
    if (!this.opts.fromStart) this.offset = await this.size();
    const tick = async () => {
      let text: string;
      try {
        const fh = await fsp.open(this.file, 'r');
        try {
          const size = (await fh.stat()).size;
          if (size < this.offset) this.offset = 0; // the file was replaced
          const buf = Buffer.alloc(size - this.offset);
          await fh.read(buf, 0, buf.length, this.offset);
          text = buf.toString('utf8');
        } finally {
          await fh.close();
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.onError?.(err as Error);
        return;
      }
      // only whole lines: a line is complete once its newline is written
      const end = text.lastIndexOf('\n');
      if (end < 0) return;
      let consumed = 0;
      const lines = text.slice(0, end).split('\n');
      for (const line of lines) {
        if (this.stopped) return;
        const lineBytes = Buffer.byteLength(line) + 1;
        if (line.trim() === '') {
          consumed += lineBytes;
          continue;
        }
        let msg: OutboxMessage;
        try {
          msg = JSON.parse(line) as OutboxMessage;
        } catch {
          this.opts.onError?.(new Error(`outbox ${this.file}: a line at byte ${this.offset + consumed} is not JSON; skipped`));
          consumed += lineBytes;
          continue;
        }
        let acked = false;
        await handler({ attributes: msg.attributes ?? {}, ack: () => (acked = true), nack: () => (acked = false) });
        if (!acked) break; // redeliver from here next time
        consumed += lineBytes;
      }
      this.offset += consumed;
    };
    const schedule = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.running = tick().finally(schedule);
      }, this.opts.intervalMs ?? 500);
    };
    schedule();
  }

  private async size(): Promise<number> {
    try {
      return (await fsp.stat(this.file)).size;
    } catch {
      return 0;
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
