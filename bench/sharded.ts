/**
 * Sharded local runs (issue: Cloud Run Job with N tasks): the scale-10 sample run with n = 1, 2 and 4
 * task processes started together on one machine; wall time of the whole run, per-task wall time
 * and peak RSS, and the speed-up over n = 1. On 2 cores, n = 4 oversubscribes: the point is the
 * per-task memory and work, which is what sizes a Cloud Run task.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(REPO, 'bin', 'promoscore.mjs');
const ROOT = join(REPO, '.promoscore', 'bench');
const AS_OF = '2026-11-20';

interface TaskRun {
  seconds: number;
  status: string;
  rows: number;
  peakRssMb: number;
}

function task(args: string[]): Promise<TaskRun> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PROMOSCORE_LOG_FORMAT: 'json' } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.resume();
    child.on('close', (code) => {
      if (code !== 0) return fail(new Error(`exit ${code}: ${err.slice(-1500)}`));
      const line = err.split('\n').find((l) => l.includes('"run summary"'));
      const s = JSON.parse(line!) as { status: string; rows: number; peak_rss_mb: number };
      done({ seconds: (performance.now() - t0) / 1000, status: s.status, rows: s.rows, peakRssMb: s.peak_rss_mb });
    });
  });
}

export async function run(scale = Number(process.env.BENCH_SHARD_SCALE ?? 10)): Promise<void> {
  mkdirSync(ROOT, { recursive: true });
  const sample = join(ROOT, `sample-${scale}-seed1-${AS_OF}`);
  if (!existsSync(join(sample, 'campaigns.parquet'))) {
    const g = spawnSync(process.execPath, [BIN, 'sample-data', '--out', sample, '--scale', String(scale), '--seed', '1', '--as-of', AS_OF], { stdio: 'inherit' });
    if (g.status !== 0) throw new Error('sample generation failed');
  }
  let base = 0;
  for (const n of [1, 2, 4]) {
    const store = join(ROOT, `store-sharded-${scale}-${n}`);
    rmSync(store, { recursive: true, force: true });
    const common = ['run', '--warehouse', `parquet:${sample}`, '--store', `file://${store}`, '--notify', `file://${store}.ndjson`, '--as-of', AS_OF, '--no-report'];
    const t0 = performance.now();
    const tasks = await Promise.all([...Array(n).keys()].map((i) => task(n === 1 ? common : [...common, '--shard', `${i}/${n}`])));
    const wall = (performance.now() - t0) / 1000;
    if (n === 1) base = wall;
    console.log(`n=${n}: wall ${wall.toFixed(2)} s, speed-up x${(base / wall).toFixed(2)}`);
    tasks.forEach((t, i) => console.log(`  task ${i}: ${t.seconds.toFixed(2)} s, ${t.status}, peak RSS ${t.peakRssMb} MiB`));
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
