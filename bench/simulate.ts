/**
 * Simulation benchmark (not a test): the wall time of `promoscore simulate` on the default world
 * (scale 1, 28 days, every policy: spec, uniform, greedy, none, oracle), split into sample
 * generation, the job runs and the world's own work, with process CPU time and peak RSS. The target
 * is under 3 minutes on a 2-core machine, so that it can run before any spec change.
 *
 * The machine is shared, so the figure is also given against a peer measured in the same process
 * right after: one bare `runJob` (the spec's job, published to a fresh store) on the same generated
 * world as of its first flight day. "× peer" says how many bare job runs the whole simulation costs,
 * whatever the load; rows/s counts the candidate rows every job of the flight scored.
 * Run: npx tsx bench/simulate.ts   (BENCH_SIM_SCALE / BENCH_SIM_DAYS for a smaller world)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '../src/observability/log.ts';
import { runJob } from '../src/run/run-job.ts';
import { simulate } from '../src/simulate/simulate.ts';
import { DEFAULT_SAMPLE_AS_OF } from '../src/sample/generate.ts';
import { openWarehouse } from '../src/warehouse/open.ts';
import { clock, fmtRate, peakRssMb } from './lib/measure.ts';

export async function run(): Promise<void> {
  const scale = Number(process.env.BENCH_SIM_SCALE ?? 1);
  const days = Number(process.env.BENCH_SIM_DAYS ?? 28);
  const work = mkdtempSync(join(tmpdir(), 'promoscore-bench-sim-'));
  const load0 = loadavg()[0];
  try {
    const cpu0 = clock();
    const r = await simulate({
      seed: '1', scale, days, start: DEFAULT_SAMPLE_AS_OF, promotedPenalty: 1, drift: 0.1, specs: ['specs/default.yaml'], workDir: work,
      onDay: (t, n, s) => { if ((t + 1) % 7 === 0 || t + 1 === n) console.log(`  day ${t + 1}/${n} at ${s.toFixed(1)} s`); },
    });
    const cpu = (clock() - cpu0) / 1000;
    const rssSim = peakRssMb();
    const jobs = Object.keys(r.policies).filter((p) => p !== 'none').length * days;

    // the peer: one bare job on the same world, as of its first flight day
    const peerJob = join(work, 'peer-job.yaml');
    writeFileSync(peerJob, 'name: simulate\ncadence: daily\nbuckets: 2\n');
    const warehouse = await openWarehouse(`parquet:${join(work, 'sample')}`, { memoryLimit: '700MB' });
    const tp = performance.now();
    const cp = clock();
    const peer = await runJob(
      { job: peerJob, asOf: DEFAULT_SAMPLE_AS_OF, spec: 'specs/default.yaml', store: `file://${join(work, 'peer-store')}`, notify: `file://${join(work, 'peer.ndjson')}`, dataset: 'peer', reportDir: null, warehouseHandle: warehouse },
      silentLogger,
    );
    const peerWall = (performance.now() - tp) / 1000;
    const peerCpu = (clock() - cp) / 1000;
    await warehouse.close();
    const load1 = loadavg()[0];

    console.log(`simulate scale ${scale}, ${days} days, ${Object.keys(r.policies).length} policies (${jobs} job runs)`);
    console.log(`  wall ${r.seconds.total.toFixed(1)} s: sample ${r.seconds.sample.toFixed(1)} s, jobs ${r.seconds.jobs.toFixed(1)} s (${((r.seconds.jobs / jobs) * 1000).toFixed(0)} ms per run), world ${r.seconds.world.toFixed(1)} s`);
    console.log(`  process CPU ${cpu.toFixed(1)} s, peak RSS ${rssSim} MB, target < 180 s wall`);
    console.log(`  peer (one bare runJob, ${peer.rows.toLocaleString('en-US')} rows): wall ${peerWall.toFixed(2)} s, CPU ${peerCpu.toFixed(2)} s`);
    console.log(`  simulation = ${(r.seconds.total / peerWall).toFixed(1)} × peer wall, ${(cpu / peerCpu).toFixed(1)} × peer CPU; ${fmtRate((peer.rows * jobs) / r.seconds.total)} candidate rows/s over the flight (≈ ${peer.rows.toLocaleString('en-US')} per job)`);
    console.log(`  load average ${load0.toFixed(1)} at start, ${load1.toFixed(1)} at end (${availableParallelism()} cores)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
