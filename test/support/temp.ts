import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the system temp dir, named promoscore-<tag>-…, and the call that removes it. */
export function tempDir(tag = 'test'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `promoscore-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `fn` in a fresh temp directory and removes it afterwards, whatever `fn` did. */
export async function withTempDir<T>(tag: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const { dir, cleanup } = tempDir(tag);
  try {
    return await fn(dir);
  } finally {
    cleanup();
  }
}
