import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../src/store/local/store.ts';
import { makeRows, publishTestSnapshot } from '../serving/support.ts';

/** `serve` finds its store and dataset as every command does: flag > PROMOSCORE_STORE > --job > default. */
const ENTRY = fileURLToPath(new URL('../serving/serve-entry.ts', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'promoscore-serve-config-'));
  await publishTestSnapshot(new LocalStore(join(dir, 'store')), { version: 'v-env', rows: makeRows(40, 2), dataset: 'from_job' });
  await writeFile(join(dir, 'job.yaml'), `name: srv\ncadence: daily\ndataset: from_job\nstore: file://${join(dir, 'store')}\n`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Starts serve, waits until it answers /readyz, returns the version it serves, stops it. */
async function servedVersion(args: string[], env: Record<string, string | undefined>): Promise<string | null> {
  const child = spawn(process.execPath, [ENTRY, 'serve', '--port', '0', '--poll-interval', '50', '--jitter', '0', ...args], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, PROMOSCORE_LOG_FORMAT: 'json', PROMOSCORE_STORE: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    let url: string | undefined;
    for (let i = 0; i < 3000 && !url; i++) {
      url = /listening on (\S+)/.exec(out)?.[1];
      if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${err}`);
      if (!url) await new Promise((r) => setTimeout(r, 20));
    }
    const status = (await (await fetch(`${url}/v1/status`)).json()) as { version?: string | null };
    return status.version ?? null;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

describe('serve: one configuration', () => {
  it('--job names the store and dataset', async () => {
    expect(await servedVersion(['--job', join(dir, 'job.yaml')], {})).toBe('v-env');
  });

  it('PROMOSCORE_STORE names the store (dataset by flag)', async () => {
    expect(await servedVersion(['--dataset', 'from_job'], { PROMOSCORE_STORE: `file://${join(dir, 'store')}` })).toBe('v-env');
  });
});
