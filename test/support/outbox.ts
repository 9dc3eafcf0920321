import { promises as fsp } from 'node:fs';
import { InfraError } from '../../src/core/errors.ts';
import type { OutboxMessage } from '../../src/notify/outbox/notifier.ts';

/** Every message in an outbox file, in append order (an absent file is an empty outbox). */
export async function readOutbox(file: string): Promise<OutboxMessage[]> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as OutboxMessage;
      } catch {
        throw new InfraError(`outbox ${file} line ${i + 1} is not JSON`);
      }
    });
}
