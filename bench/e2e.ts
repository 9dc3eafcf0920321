/**
 * End-to-end benchmark of the embedded job: scale 1 and scale 10 samples (generation timed apart),
 * one fresh store per run, the CLI in a child process so its peak RSS is its own. Prints rows/s per
 * stage and the scale-10 / scale-1 time ratio (linear growth would be ~10x rows for ~10x time).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(REPO, 'bin', 'promoscore.mjs');
// The bin refuses Node < 24; an older Node (the side-by-side in docs/benchmarks.md, run with
// `--import tsx`) runs the CLI's module itself, with the same loader flags as this process.
const ENTRY = Number(process.versions.node.split('.')[0]) >= 24 ? [BIN] : [...process.execArgv, join(REPO, 'src', 'cli', 'main.ts')];
const ROOT = join(REPO, '.promoscore', 'bench');
const AS_OF = '2026-11-20';

function cli(args: string[]): { stderr: string; stdout: string; seconds: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...ENTRY, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PROMOSCORE_LOG_FORMAT: 'json' },
    maxBuffer: 64 * 2 ** 20,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`promoscore ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return { stderr: r.stderr, stdout: r.stdout, seconds };
}

interface Summary {
  rows: number;
  seconds: number;
  peak_rss_mb: number;
  stages: { stage: string; seconds: number; rows?: number }[];
}

export async function run(scales = [1, 10]): Promise<void> {
  mkdirSync(ROOT, { recursive: true });
  const results: { scale: number; wall: number; s: Summary }[] = [];
  for (const scale of scales) {
    const sample = join(ROOT, `sample-${scale}-seed1-${AS_OF}`);
    if (!existsSync(join(sample, 'campaigns.parquet'))) {
      const g = cli(['sample-data', '--out', sample, '--scale', String(scale), '--seed', '1', '--as-of', AS_OF]);
      console.log(`sample scale ${scale}: generated in ${g.seconds.toFixed(2)} s (timed apart)`);
    }
    const store = join(ROOT, `store-${scale}`);
    rmSync(store, { recursive: true, force: true });
    const r = cli(['run', '--warehouse', `parquet:${sample}`, '--store', `file://${store}`, '--notify', `file://${join(ROOT, `outbox-${scale}.ndjson`)}`, '--as-of', AS_OF, '--no-report']);
    const line = r.stderr.split('\n').find((l) => l.includes('"run summary"'));
    if (!line) throw new Error('no run summary in the output');
    const s = JSON.parse(line) as Summary;
    results.push({ scale, wall: r.seconds, s });
    console.log(`\nscale ${scale}: ${s.rows.toLocaleString('en-US')} candidate rows, stages ${s.seconds.toFixed(2)} s, process wall ${r.seconds.toFixed(2)} s, peak RSS ${s.peak_rss_mb} MiB`);
    for (const st of s.stages) {
      const rate = st.rows ? `${Math.round(st.rows / st.seconds).toLocaleString('en-US')} rows/s` : '';
      console.log(`  ${st.stage.padEnd(10)} ${st.seconds.toFixed(3).padStart(8)} s  ${rate}`);
    }
  }
  if (results.length === 2) {
    const [a, b] = results;
    console.log(`\nscale ${b.scale}/${a.scale}: rows x${(b.s.rows / a.s.rows).toFixed(1)}, wall x${(b.wall / a.wall).toFixed(1)}, stage time x${(b.s.seconds / a.s.seconds).toFixed(1)}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run(process.argv.slice(2).map(Number).filter((n) => n > 0).length ? process.argv.slice(2).map(Number) : undefined);
}
