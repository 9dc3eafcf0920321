import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerBackfill } from '../../src/cli/backfill.ts';
import { registerCommit } from '../../src/cli/commit.ts';
import { registerExplain } from '../../src/cli/explain.ts';
import { registerPlan } from '../../src/cli/plan.ts';
import { registerRun } from '../../src/cli/run.ts';
import { register as registerSnapshots } from '../../src/cli/snapshots.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { runInProcess, type Register } from '../support/in-process.ts';

/**
 * One configuration for every command: a store named only by PROMOSCORE_STORE (or only by the job
 * file) is the store every command reads and writes, never ./.promoscore/store.
 */
const ALL: Register[] = [registerRun, registerPlan, registerBackfill, registerCommit, registerSnapshots, registerExplain];
const AS_OF = '2026-01-10';

let dir: string;
let env: Record<string, string>;
let jobFile: string;
let version: string;
let track: { track_id: string; market: string; surface: string };

const cli = (args: string[], e: Record<string, string | undefined> = env) =>
  runInProcess(ALL, args, { PROMOSCORE_LOG_FORMAT: 'json', ...e });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'promoscore-cli-config-'));
  const sample = join(dir, 'sample');
  await generateSample({ outDir: sample, scale: 0.02, seed: 3, asOf: AS_OF });
  env = {
    PROMOSCORE_WAREHOUSE: `parquet:${sample}`,
    PROMOSCORE_STORE: `file://${join(dir, 'env-store')}`,
    PROMOSCORE_NOTIFY: `file://${join(dir, 'env-outbox.ndjson')}`,
  };
  jobFile = join(dir, 'job.yaml');
  await writeFile(jobFile, `name: cfg\ncadence: daily\nwarehouse: parquet:${sample}\nstore: file://${join(dir, 'env-store')}\nnotify: file://${join(dir, 'job-outbox.ndjson')}\n`);
  // the run itself: warehouse, store and notifier from the environment only
  const r = await cli(['run', '--as-of', AS_OF, '--no-report']);
  expect(r.code, r.stderr).toBe(0);
  const list = await cli(['snapshots', 'list', '--json']);
  version = (JSON.parse(list.stdout) as { version: string }[])[0]!.version;
  const head = await cli(['snapshots', 'head', '--limit', '1', '--json']);
  track = (JSON.parse(head.stdout) as { rows: typeof track[] }).rows[0]!;
}, 180_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('every command honours PROMOSCORE_* and --job', () => {
  it('run: wrote to the store and outbox the environment names', () => {
    expect(existsSync(join(dir, 'env-store', 'promo_scores', 'LATEST'))).toBe(true);
    expect(existsSync(join(dir, 'env-outbox.ndjson'))).toBe(true);
    expect(existsSync(join(process.cwd(), '.promoscore', 'store', 'promo_scores', 'versions', version))).toBe(false);
  });

  it('plan: reads the environment (and says the version is published there)', async () => {
    const r = await cli(['plan', '--as-of', AS_OF, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.store).toBe(env.PROMOSCORE_STORE);
    expect(plan.warehouse).toBe(env.PROMOSCORE_WAREHOUSE);
    expect(plan.version).toBe(version);
  });

  it('backfill: skips the as-of published in the environment store', async () => {
    const r = await cli(['backfill', '--from', AS_OF, '--to', AS_OF, '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ as_of: AS_OF, version, status: 'skipped' });
  });

  it('snapshots list / show / head / diff / verify / gc: the environment store', async () => {
    expect(JSON.parse((await cli(['snapshots', 'list', '--json'])).stdout)).toHaveLength(1);
    expect(JSON.parse((await cli(['snapshots', 'show', '--json'])).stdout).version).toBe(version);
    expect(JSON.parse((await cli(['snapshots', 'head', '--json'])).stdout).rows).toHaveLength(10);
    expect((await cli(['snapshots', 'diff', version, version, '--json'])).code).toBe(0);
    const verify = await cli(['snapshots', 'verify', version, '--json']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)[0].ok).toBe(true);
    const gc = await cli(['snapshots', 'gc', '--keep', '1', '--dry-run', '--json']);
    expect(gc.code, gc.stderr).toBe(0);
    expect(JSON.parse(gc.stdout).kept.map((k: { version: string }) => k.version)).toEqual([version]);
  });

  it('snapshots rollback: the environment store and notifier', async () => {
    const r = await cli(['snapshots', 'rollback', version, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).status).toBe('already-current');
  });

  it('explain: the environment store', async () => {
    const r = await cli(['explain', '--track', track.track_id, '--market', track.market, '--surface', track.surface, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).version).toBe(version);
  });

  it('commit: looks for the version in the environment store (found, so it asks for the task records)', async () => {
    const r = await cli(['commit', '--version', version, '--tasks', '2']);
    expect(r.stderr).toMatch(/no completion record from tasks 0, 1 of 2/);
    expect(r.code).toBe(5);
  });

  it('--job names the store when the environment does not; the environment wins over the job; the flag over both', async () => {
    const noEnv = { PROMOSCORE_WAREHOUSE: undefined, PROMOSCORE_STORE: undefined, PROMOSCORE_NOTIFY: undefined };
    const viaJob = await cli(['snapshots', 'list', '--job', jobFile, '--json'], noEnv);
    expect(JSON.parse(viaJob.stdout).map((v: { version: string }) => v.version)).toEqual([version]);
    const explain = await cli(['explain', '--job', jobFile, '--track', track.track_id, '--market', track.market, '--surface', track.surface, '--json'], noEnv);
    expect(explain.code, explain.stderr).toBe(0);
    const empty = `file://${join(dir, 'empty-store')}`;
    const envOverJob = await cli(['snapshots', 'list', '--job', jobFile, '--json'], { ...noEnv, PROMOSCORE_STORE: empty });
    expect(JSON.parse(envOverJob.stdout)).toEqual([]);
    const flagOverEnv = await cli(['snapshots', 'list', '--store', env.PROMOSCORE_STORE!, '--json'], { ...noEnv, PROMOSCORE_STORE: empty });
    expect(JSON.parse(flagOverEnv.stdout)).toHaveLength(1);
  });
});
