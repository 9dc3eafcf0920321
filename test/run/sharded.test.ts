import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { logEntries, runCli } from '../support/cli.ts';
import { packMarkets } from '../../src/run/market-bins.ts';
import { SNAPSHOT_COLUMNS } from '../../src/snapshot/contract.ts';

/**
 * Sharded runs through the real CLI, each task its own process: the same input unsharded and with
 * n = 2 and n = 4 gives the same rows and scores and one manifest; missing tasks block the commit;
 * a task killed mid-way and rerun converges.
 */
let root: string;
let sample: string;
const AS_OF = '2026-11-20';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promoscore-shard-'));
  sample = join(root, 'sample');
  const r = await runCli(['sample-data', '--out', sample, '--scale', '0.05', '--seed', '11', '--as-of', AS_OF]);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const args = (store: string, extra: string[] = []) => [
  'run', '--warehouse', `parquet:${sample}`, '--store', `file://${store}`, '--notify', `file://${store}.ndjson`, '--as-of', AS_OF, '--no-report', ...extra,
];

function summaryOf(stderr: string): Record<string, unknown> {
  return logEntries(stderr).find((e) => e.message === 'run summary')!;
}

/** Every row of the version LATEST names, as sorted "key -> values" lines. */
async function publishedRows(store: string): Promise<{ lines: string[]; manifests: number; version: string }> {
  const latest = JSON.parse(await readFile(join(store, 'promo_scores', 'LATEST'), 'utf8'));
  const dir = join(store, 'promo_scores', 'versions', latest.version);
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  const lines: string[] = [];
  for (const s of manifest.shards) {
    const t = tableFromIPC(await readFile(join(dir, s.path)));
    const cols = SNAPSHOT_COLUMNS.map(([c]) => t.getChild(c)!);
    for (let i = 0; i < t.numRows; i++) lines.push(cols.map((c) => String(c.get(i))).join('|'));
  }
  lines.sort();
  const manifests = (await readdir(dir)).filter((f) => f === 'manifest.json').length;
  return { lines, manifests, version: latest.version };
}

async function runTasks(store: string, n: number, only?: number[]): Promise<Awaited<ReturnType<typeof runCli>>[]> {
  const which = only ?? [...Array(n).keys()];
  return Promise.all(which.map((i) => runCli(args(store, ['--shard', `${i}/${n}`]))));
}

describe('sharded runs', () => {
  it('unsharded, 2 tasks and 4 tasks publish the same rows and scores, with one manifest each', async () => {
    const single = join(root, 'single');
    const r1 = await runCli(args(single));
    expect(r1.code, r1.stderr).toBe(0);
    const base = await publishedRows(single);
    expect(base.lines.length).toBeGreaterThan(100);

    for (const n of [2, 4]) {
      const store = join(root, `tasks${n}`);
      const results = await runTasks(store, n);
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      const statuses = results.map((r) => summaryOf(r.stderr).status);
      // the last task to finish commits; tasks finishing together may both commit (idempotent)
      expect(statuses).toContain('published');
      for (const s of statuses) expect(['published', 'already-published', 'task-written']).toContain(s);
      const got = await publishedRows(store);
      expect(got.version).toBe(base.version);
      expect(got.manifests).toBe(1);
      expect(got.lines).toEqual(base.lines);
      const outbox = (await readFile(`${store}.ndjson`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      expect(outbox.length).toBeGreaterThanOrEqual(1);
      for (const m of outbox) expect(JSON.stringify(m)).toContain(base.version);
      const manifest = JSON.parse(await readFile(join(store, 'promo_scores', 'versions', got.version, 'manifest.json'), 'utf8'));
      expect(new Set(manifest.shards.map((s: { path: string }) => s.path.replace(/\.arrow$/, '').split('-t')[1])).size).toBeGreaterThan(1);
      expect(manifest.allocation.certificate.gap).toBeLessThanOrEqual(manifest.allocation.tolerance);
    }
  }, 300_000);

  it('a missing task record blocks the commit with a clear error; the missing task then completes it', async () => {
    const store = join(root, 'missing');
    const first = await runTasks(store, 3, [0, 2]);
    for (const r of first) {
      expect(r.code, r.stderr).toBe(0);
      expect(summaryOf(r.stderr).status).toBe('task-written');
    }
    const version = summaryOf(first[0].stderr).version as string;
    const commit = await runCli(['commit', '--version', version, '--tasks', '3', '--store', `file://${store}`, '--notify', `file://${store}.ndjson`]);
    expect(commit.code, commit.stderr).toBe(5);
    expect(commit.stderr).toMatch(/no completion record from task 1 of 3/);
    await expect(readFile(join(store, 'promo_scores', 'LATEST'), 'utf8')).rejects.toThrow();

    const last = await runTasks(store, 3, [1]);
    expect(last[0].code, last[0].stderr).toBe(0);
    expect(summaryOf(last[0].stderr).status).toBe('published');
    const again = await runCli(['commit', '--version', version, '--tasks', '3', '--store', `file://${store}`, '--notify', `file://${store}.ndjson`]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^already-published/);
  }, 300_000);

  it('a task killed mid-way (SIGKILL after its first shard) and rerun converges to the same snapshot', async () => {
    const store = join(root, 'killed');
    const [t0] = await runTasks(store, 2, [0]);
    expect(t0.code, t0.stderr).toBe(0);
    const killed = await runCli(args(store, ['--shard', '1/2']), { env: { PROMOSCORE_CRASH_AT: 'task-shard:' } });
    expect(killed.signal).toBe('SIGKILL');
    await expect(readFile(join(store, 'promo_scores', 'LATEST'), 'utf8')).rejects.toThrow();
    const rerun = await runCli(args(store, ['--shard', '1/2']));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(summaryOf(rerun.stderr).status).toBe('published');
    const single = await publishedRows(join(root, 'single'));
    expect((await publishedRows(store)).lines).toEqual(single.lines);
  }, 300_000);
});

describe('sharded runs on Cloud Run', () => {
  it('takes the task from CLOUD_RUN_TASK_INDEX/COUNT; a committer killed after the manifest is finished by `promoscore commit`', async () => {
    const store = join(root, 'cloudrun');
    const env = (i: number) => ({ CLOUD_RUN_TASK_INDEX: String(i), CLOUD_RUN_TASK_COUNT: '2', CLOUD_RUN_TASK_ATTEMPT: '0' });
    const t0 = await runCli(args(store), { env: env(0) });
    expect(t0.code, t0.stderr).toBe(0);
    expect(summaryOf(t0.stderr).status).toBe('task-written');
    const version = summaryOf(t0.stderr).version as string;
    // task 1 is the last: it commits, and dies between the manifest and LATEST
    const t1 = await runCli(args(store), { env: { ...env(1), PROMOSCORE_CRASH_AT: 'manifest' } });
    expect(t1.signal).toBe('SIGKILL');
    await expect(readFile(join(store, 'promo_scores', 'LATEST'), 'utf8')).rejects.toThrow();
    const done = await runCli(['commit', '--version', version, '--tasks', '2', '--store', `file://${store}`, '--notify', `file://${store}.ndjson`]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^published/);
    expect((await publishedRows(store)).lines).toEqual((await publishedRows(join(root, 'single'))).lines);
    // a retried attempt of either task afterwards is a no-op
    const retry = await runCli(args(store), { env: { ...env(0), CLOUD_RUN_TASK_ATTEMPT: '1' } });
    expect(retry.code, retry.stderr).toBe(0);
    expect(summaryOf(retry.stderr).status).toBe('already-published');
    const outbox = (await readFile(`${store}.ndjson`, 'utf8')).trim().split('\n');
    expect(outbox).toHaveLength(1);
  }, 300_000);
});

describe('packMarkets', () => {
  it('is deterministic, covers every market once, and balances by rows', () => {
    const weights = Array.from({ length: 37 }, (_, i) => ({ market: `M${String(i).padStart(2, '0')}`, rows: ((i * 7919) % 101) + 1 }));
    const bins = packMarkets(weights, 4);
    expect(packMarkets([...weights].reverse(), 4)).toEqual(bins);
    expect(bins.flat().sort()).toEqual(weights.map((w) => w.market).sort());
    const load = bins.map((b) => b.reduce((s, m) => s + weights.find((w) => w.market === m)!.rows, 0));
    const max = Math.max(...weights.map((w) => w.rows));
    // LPT: no bin exceeds the mean by more than the largest single market
    expect(Math.max(...load) - load.reduce((a, b) => a + b) / 4).toBeLessThanOrEqual(max);
  });
  it('gives empty bins when there are more tasks than markets', () => {
    expect(packMarkets([{ market: 'SE', rows: 5 }], 3)).toEqual([['SE'], [], []]);
  });
});
