/**
 * The replay estimators against the simulator's truth (docs/evaluation.md, "Replay"): the 20 worlds
 * of test/replay/coverage.test.ts, per world truth, estimate and 95% interval, and the coverage
 * count; BENCH_REPLAY_EPSILON sets the logging holdout share (default 0.3, the test's), BENCH_REPLAY_SCALE
 * the world's scale (0.02).
 *
 *   npx tsx bench/replay-coverage.ts
 */
import { replayedWorld } from '../test/replay/simulated-history.ts';

const epsilon = Number(process.env.BENCH_REPLAY_EPSILON ?? 0.3);
const scale = Number(process.env.BENCH_REPLAY_SCALE ?? 0.02);
const t0 = performance.now();
let covered = 0;
let relErr = 0;
let relWidth = 0;
console.log(`epsilon ${epsilon}, scale ${scale}, as-ofs day 0 and 3, horizon 3, 200 replicates\n`);
console.log('| world | truth | estimate | 95% interval | covered | rows matched / SNIPS rows |');
console.log('|---|---|---|---|---|---|');
for (let i = 1; i <= 20; i++) {
  const seed = `replay-${i}`;
  const { truth, summary: s } = replayedWorld(seed, { scale, epsilon });
  const ok = s.total.ci_low <= truth && truth <= s.total.ci_high;
  if (ok) covered++;
  relErr += Math.abs(s.total.estimate - truth) / Math.abs(truth);
  relWidth += (s.total.ci_high - s.total.ci_low) / Math.abs(truth);
  const f = (x: number) => x.toFixed(1);
  console.log(`| ${seed} | ${f(truth)} | ${f(s.total.estimate)} | [${f(s.total.ci_low)}, ${f(s.total.ci_high)}] | ${ok ? 'yes' : '**no**'} | ${s.total.n_matched} / ${s.total.n_snips} |`);
}
console.log(`\ncovered ${covered}/20; mean |estimate − truth| / |truth| ${(relErr / 20).toFixed(3)}; mean interval width / |truth| ${(relWidth / 20).toFixed(2)}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
