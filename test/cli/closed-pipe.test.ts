import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, REPO } from '../support/cli.ts';
import { workspace, type Workspace } from '../snapshot/fixtures.ts';
import { D, pub, V } from '../snapshot/helpers.ts';

let ws: Workspace;
beforeAll(async () => {
  ws = await workspace();
  await pub(ws, { version: V(24), asOf: D(24), seed: 1 });
});
afterAll(() => ws.cleanup());

it('a reader that closes stdout early (| head) ends the command quietly: exit 0, no stack', async () => {
  const child = spawn(process.execPath, [BIN, 'snapshots', 'head', '--limit', '10000', '--store', `file://${ws.store.root}`], {
    cwd: REPO,
    env: { ...process.env, PROMOSCORE_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // like `head -1`: read one chunk, then close the pipe
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
  expect(code).toBe(0);
});
