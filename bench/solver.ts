/**
 * Solver benchmark (not a test): the allocation LP (variables/s) at 10k, 100k and 1M rows against
 * HiGHS on the same instances (HiGHS only while a size finishes within a minute). Times are process
 * CPU time (bench/lib/measure.ts); ours is the median of REPEATS runs after a warm-up on other seeds.
 * Run: node bench/solver.ts
 */
import { pathToFileURL } from 'node:url';
import { solveMarket } from '../src/scoring/allocate/solve.ts';
import type { MarketProblem } from '../src/scoring/allocate/problem.ts';
import { loadHighs } from '../test/scoring/highs.ts';
import { randomInstance, toLpText } from '../test/scoring/instances.ts';
import { clock, fmtMs, fmtRate, peakRssMb } from './lib/measure.ts';

export async function run(): Promise<void> {
  await benchSolver();
}

/** Timed runs of our solver per size. */
const REPEATS = 5;

async function benchSolver(): Promise<void> {
  const highs = await loadHighs();
  const perMarket = 25_000;
  let highsAllowed = true;
  const sizes = (process.env.PROMOSCORE_BENCH_SOLVER_ROWS ?? '10000,100000,1000000').split(',').map(Number);
  for (const rows of sizes) {
    const markets = Math.max(1, Math.round(rows / perMarket));
    const size = Math.round(rows / markets);
    const problems: MarketProblem[] = [];
    for (let m = 0; m < markets; m++) problems.push(randomInstance(777 + m, m % 2 ? 'mixed' : 'skip-heavy', size));
    // Warm-up: the JIT needs a few dozen solves and a few million rows before the loops run at full
    // speed (its compiler threads count in process CPU time). Other seeds of both shapes, so the
    // measured markets are not solved before they are timed.
    const warm = [randomInstance(1, 'skip-heavy', size), randomInstance(2, 'mixed', size)];
    const warmSolves = Math.max(30, Math.ceil(3_000_000 / size));
    for (let i = 0; i < warmSolves; i++) solveMarket(warm[i % 2], { tolerance: 1e-4, maxIterations: 500 });
    // Ours is cheap next to HiGHS: repeat it and report the median and the best (a shared machine).
    const times: number[] = [];
    let worstGap = 0;
    let pricings = 0;
    let primal = 0;
    for (let rep = 0; rep < REPEATS; rep++) {
      const t0 = clock();
      worstGap = 0;
      pricings = 0;
      primal = 0;
      for (const p of problems) {
        const s = solveMarket(p, { tolerance: 1e-4, maxIterations: 500 });
        worstGap = Math.max(worstGap, s.certificate.gap);
        pricings += s.pricings;
        primal += s.certificate.primal;
      }
      times.push(clock() - t0);
    }
    times.sort((a, b) => a - b);
    const ours = times[times.length >> 1];
    const oursBest = times[0];
    let line = `solver: ${rows.toLocaleString('en-US')} rows in ${markets} market(s): median ${fmtMs(ours)} (best ${fmtMs(oursBest)} of ${REPEATS}), ${fmtRate(rows / (ours / 1000))} vars/s, worst gap ${worstGap.toExponential(2)}, ${(pricings / markets).toFixed(1)} full pricing passes/market`;
    if (highsAllowed) {
      const h0 = clock();
      let hObj = 0;
      for (const p of problems) {
        const res = highs.solve(toLpText(p));
        if (res.Status !== 'Optimal') throw new Error(`HiGHS: ${res.Status}`);
        hObj += res.ObjectiveValue;
      }
      const h = clock() - h0;
      line += `\n  HiGHS: ${fmtMs(h)}, ${fmtRate(rows / (h / 1000))} vars/s (LP text included); ratio ${(h / ours).toFixed(0)}x (best ${(h / oursBest).toFixed(0)}x); objective ours/HiGHS ${(primal / hObj).toFixed(7)}`;
      // The next size is 10x larger; HiGHS grows at least linearly, so stop where it would pass a minute.
      if (h * 10 > 60_000) highsAllowed = false;
    } else {
      line += '\n  HiGHS: skipped (the previous size extrapolates beyond a minute)';
    }
    console.log(line);
  }
  console.log(`  peak RSS ${peakRssMb()} MB (whole process)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
