import { readdir, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { spawnNode, type CliResult } from '../support/cli.ts';

/** Runs a TypeScript file of this repository in a fresh Node process (Node strips the types). */
export function runTs(file: string, env: Record<string, string>): Promise<CliResult> {
  return spawnNode([file], { env }).done;
}

/** Opens the barrier once `n` children have written their ready file, so they really start together. */
export async function release(barrier: string, n: number): Promise<void> {
  const stem = basename(barrier) + '.ready.';
  for (;;) {
    const ready = (await readdir(dirname(barrier))).filter((f) => f.startsWith(stem)).length;
    if (ready >= n) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  await writeFile(barrier, 'go');
}
