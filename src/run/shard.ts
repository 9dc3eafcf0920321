import { UsageError } from '../core/errors.ts';

export interface ShardSpec {
  index: number;
  count: number;
}

/** "i/n" with 0 <= i < n. */
export function parseShard(text: string, flag: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: "${text}" must look like i/n, e.g. 0/4`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new UsageError(`${flag}: "${text}" needs 0 <= i < n and n >= 1`);
  return { index, count };
}
