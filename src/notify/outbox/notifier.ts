import { randomUUID } from 'node:crypto';
import { constants as FS, promises as fsp } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InfraError } from '../../core/errors.ts';
import type { NotificationAttributes, Notifier } from '../port.ts';

/** One line of the outbox: what a Pub/Sub message would carry. */
export interface OutboxMessage {
  id: string;
  published_at: string;
  ordering_key: string;
  attributes: NotificationAttributes;
}

/**
 * The Notifier port as a local ndjson outbox. Each message is one line written with a single
 * write(2) on an O_APPEND descriptor and fsynced before publish() resolves, so concurrent
 * processes never interleave lines and an acknowledged message survives a crash.
 */
export class OutboxNotifier implements Notifier {
  readonly uri: string;
  readonly file: string;

  constructor(file: string) {
    this.file = resolve(file);
    this.uri = pathToFileURL(this.file).href;
  }

  async publish(attributes: NotificationAttributes): Promise<string> {
    const msg: OutboxMessage = {
      id: randomUUID(),
      published_at: new Date().toISOString(),
      ordering_key: attributes.dataset,
      attributes: { ...attributes },
    };
    const line = Buffer.from(JSON.stringify(msg) + '\n', 'utf8');
    let fh: fsp.FileHandle | undefined;
    try {
      await fsp.mkdir(dirname(this.file), { recursive: true });
      fh = await fsp.open(this.file, FS.O_WRONLY | FS.O_CREAT | FS.O_APPEND, 0o644);
      const { bytesWritten } = await fh.write(line, 0, line.length);
      if (bytesWritten !== line.length) {
        throw new Error(`short write (${bytesWritten} of ${line.length} bytes)`);
      }
      await fh.sync();
    } catch (err) {
      throw new InfraError(`cannot append to outbox ${this.file}: ${(err as Error).message}`, { cause: err });
    } finally {
      await fh?.close().catch(() => {});
    }
    return msg.id;
  }

  async close(): Promise<void> {}
}
