/**
 * Simulation benchmark (not a test): the wall time of `promoscore simulate` on the default world
 * (scale 1, 28 days, every policy: spec, uniform, greedy, none, oracle), split into sample
 * generation, the job runs and the world's own work, with process CPU time and peak RSS. The target
 * is under 3 minutes on a 2-core machine, so that it can run before any spec change.
 * Run: npx tsx bench/simulate.ts   (BENCH_SIM_SCALE / BENCH_SIM_DAYS for a smaller world)
 */
import { pathToFileURL } from 'node:url';
import { simulate } from '../src/simulate/simulate.ts';
import { DEFAULT_SAMPLE_AS_OF } from '../src/sample/generate.ts';
import { peakRssMb } from './lib/measure.ts';

export async function run(): Promise<void> {
  const scale = Number(process.env.BENCH_SIM_SCALE ?? 1);
  const days = Number(process.env.BENCH_SIM_DAYS ?? 28);
  const cpu0 = process.cpuUsage();
  const r = await simulate({
    seed: '1', scale, days, start: DEFAULT_SAMPLE_AS_OF, promotedPenalty: 1, drift: 0.1, specs: ['specs/default.yaml'],
    onDay: (t, n, s) => { if ((t + 1) % 7 === 0 || t + 1 === n) console.log(`  day ${t + 1}/${n} at ${s.toFixed(1)} s`); },
  });
  const cpu = process.cpuUsage(cpu0);
  const jobs = Object.keys(r.policies).filter((p) => p !== 'none').length * days;
  console.log(`simulate scale ${scale}, ${days} days, ${Object.keys(r.policies).length} policies (${jobs} job runs)`);
  console.log(`  wall ${r.seconds.total.toFixed(1)} s: sample ${r.seconds.sample.toFixed(1)} s, jobs ${r.seconds.jobs.toFixed(1)} s (${((r.seconds.jobs / jobs) * 1000).toFixed(0)} ms per run), world ${r.seconds.world.toFixed(1)} s`);
  console.log(`  process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, peak RSS ${peakRssMb().toFixed(0)} MB, target < 180 s wall`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
