import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCommit } from '../../src/cli/commit.ts';
import { registerExplain } from '../../src/cli/explain.ts';
import { register as registerSampleData } from '../../src/cli/sample-data.ts';
import { register as registerSnapshots } from '../../src/cli/snapshots.ts';
import { workspace, type Workspace } from '../snapshot/fixtures.ts';
import { D, pub, V } from '../snapshot/helpers.ts';
import { errorLines, runInProcess } from '../support/in-process.ts';

/**
 * A typo is a usage error (exit 2, one line naming the flag or argument, no stack), never exit 5:
 * a scheduler retries 5, and retrying a typo only fails again.
 */
const ALL = [registerSnapshots, registerExplain, registerCommit, registerSampleData];
const MISSING = '20990101-000000000000';
let ws: Workspace;
let S: string[];

const cli = (...args: string[]) => runInProcess(ALL, args, { PROMOSCORE_LOG_FORMAT: 'text' });

function usageError(r: { code: number; stderr: string }, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  const errors = errorLines(r.stderr);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/stack=|\n\s+at /);
}

beforeAll(async () => {
  ws = await workspace();
  S = ['--store', `file://${ws.store.root}`];
  await pub(ws, { version: V(24), asOf: D(24), seed: 1 });
});
afterAll(() => ws.cleanup());

describe('exit 2 for a version, surface or path that is not there', () => {
  it('explain --version <missing>', async () => {
    usageError(await cli('explain', ...S, '--track', 'x', '--market', 'SE', '--surface', 'radio', '--version', MISSING), /--version: no version 20990101-000000000000 of promo_scores/);
  });

  it('snapshots verify <typo>', async () => {
    usageError(await cli('snapshots', 'verify', MISSING, ...S), /VERSION: no version 20990101-000000000000/);
  });

  it('snapshots show / head / diff <typo>', async () => {
    usageError(await cli('snapshots', 'show', MISSING, ...S), /manifest .* does not exist/);
    usageError(await cli('snapshots', 'head', MISSING, ...S), /VERSION: no version 20990101-000000000000/);
    usageError(await cli('snapshots', 'diff', V(24), MISSING, ...S), /manifest .* does not exist/);
  });

  it('commit --version <typo>', async () => {
    usageError(await cli('commit', '--version', MISSING, '--tasks', '2', ...S, '--notify', `file://${join(ws.dir, 'o.ndjson')}`), /--version: no version 20990101-000000000000/);
  });

  it('sample-data --out under a file', async () => {
    usageError(await cli('sample-data', '--out', '/etc/passwd/sub', '--scale', '0.01'), /^error: --out: cannot write to \/etc\/passwd\/sub \(ENOTDIR: a parent is a file/);
  });

  it('explain / head --surface not in the snapshot names the surfaces it has', async () => {
    usageError(await cli('explain', ...S, '--track', 'x', '--market', 'SE', '--surface', 'tv'), /--surface: "tv" is not a surface of promo_scores \S+ \(it has autoplay, mix, radio\)/);
    usageError(await cli('snapshots', 'head', ...S, '--surface', 'tv'), /--surface: "tv" is not a surface/);
    usageError(await cli('snapshots', 'head', ...S, '--market', 'ZZ'), /--market: ZZ is not a market of promo_scores \S+ \(it has 5: /);
  });

  it('explain of a key the track lacks names the (market, surface) pairs it has', async () => {
    const head = await cli('snapshots', 'head', ...S, '--limit', '10000', '--json');
    const rows = JSON.parse(head.stdout).rows as { track_id: string; market: string; surface: string }[];
    const track = rows[0]!.track_id;
    const has = [...new Set(rows.filter((r) => r.track_id === track).map((r) => `${r.market}/${r.surface}`))].sort();
    const all = [...new Set(rows.map((r) => `${r.market}/${r.surface}`))];
    const lacking = all.find((k) => !has.includes(k))!;
    const [market, surface] = lacking.split('/');
    usageError(
      await cli('explain', ...S, '--track', track, '--market', market!, '--surface', surface!),
      new RegExp(`track ${track} is in promo_scores \\S+ \\(\\d+ rows\\) but not for market ${market}, surface ${surface}; it has ${has.join(', ')}`),
    );
  });

  it('a bad --log-format is exit 2', async () => {
    usageError(await cli('snapshots', 'list', ...S, '--log-format', 'xml'), /--log-format: "xml" must be json or text/);
  });
});
