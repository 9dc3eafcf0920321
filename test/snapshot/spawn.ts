import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs a TypeScript file of this repository in a fresh Node process (Node strips the types). */
export function runTs(file: string, env: Record<string, string>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
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
