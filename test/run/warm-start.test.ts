import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logEntries, runCli } from '../support/cli.ts';
import { verifyVersion } from '../../src/snapshot/snapshot-reader.ts';
import { openStore } from '../../src/store/open.ts';

/**
 * The solver's warm start is part of a run's identity: a run killed mid-publish and finished later
 * (here by a backfill, after a newer as-of moved LATEST) warm-starts from the same version as before,
 * so it computes the same version id and the same shards and converges instead of colliding with
 * its own partial output.
 */
let root: string;
let sample: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promoscore-warm-'));
  sample = join(root, 'sample');
  const r = await runCli(['sample-data', '--out', sample, '--scale', '0.02', '--seed', '5', '--as-of', '2026-11-21']);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('warm start and identity', () => {
  it('a crashed run finished behind a newer LATEST converges on the version it started', async () => {
    const store = join(root, 'store');
    const flags = ['--warehouse', `parquet:${sample}`, '--store', `file://${store}`, '--notify', `file://${store}.ndjson`, '--no-report'];
    const planned = (e: { stderr: string }) => logEntries(e.stderr).find((x) => x.message === 'planned')!;

    const first = await runCli(['run', ...flags, '--as-of', '2026-11-19']);
    expect(first.code, first.stderr).toBe(0);
    const p0 = planned(first).version as string;

    // 11-20 warm-starts from 11-19, and dies after its first shard
    const crashed = await runCli(['run', ...flags, '--as-of', '2026-11-20'], { env: { PROMOSCORE_CRASH_AT: 'shard:' } });
    expect(crashed.signal).toBe('SIGKILL');
    const crashedPlan = planned(crashed);
    expect(crashedPlan.warm_start_from).toBe(p0);

    // 11-21 publishes and moves LATEST past 11-20
    const newer = await runCli(['run', ...flags, '--as-of', '2026-11-21']);
    expect(newer.code, newer.stderr).toBe(0);
    expect(planned(newer).warm_start_from).toBe(p0);

    // the backfill of 11-20 finds the same warm start, hence the same version and shards: it converges
    const fill = await runCli(['backfill', ...flags, '--from', '2026-11-20', '--to', '2026-11-20']);
    expect(fill.code, fill.stderr).toBe(0);
    const runPlan = logEntries(fill.stderr).filter((x) => x.message === 'planned').pop()!;
    expect(runPlan.version).toBe(crashedPlan.version);
    expect(runPlan.warm_start_from).toBe(p0);

    const s = await openStore(`file://${store}`);
    expect((await verifyVersion(s, 'promo_scores', crashedPlan.version as string)).ok).toBe(true);
    const latest = JSON.parse(await readFile(join(store, 'promo_scores', 'LATEST'), 'utf8'));
    expect(latest.version).toBe(planned(newer).version);

    // a rerun of 11-21 (now LATEST) looks past itself for its warm start: same id, a no-op
    const again = await runCli(['run', ...flags, '--as-of', '2026-11-21']);
    expect(again.code, again.stderr).toBe(0);
    expect(planned(again).version).toBe(planned(newer).version);
    expect(logEntries(again.stderr).find((x) => x.message === 'run summary')!.status).toBe('already-published');
  }, 240_000);
});
