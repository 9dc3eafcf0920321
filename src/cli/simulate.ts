/** `promoscore simulate`: the allocation judged in a world that answers back (docs/evaluation.md). */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import { DEFAULT_SAMPLE_AS_OF } from '../sample/generate.ts';
import { BASELINES, DEFAULT_SPEC, simulate } from '../simulate/simulate.ts';
import { renderSimulationReport } from '../simulate/report.ts';
import { action } from './exit.ts';
import { numberFlag } from './options.ts';

// The spec that ships with the package (src/cli or lib/cli → specs/), so that `simulate` works from any
// directory, as `run` does.
const PACKAGED_SPEC = fileURLToPath(new URL('../../specs/default.yaml', import.meta.url));

function date(flag: string, v: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) throw new UsageError(`${flag}: expected a date YYYY-MM-DD, got ${JSON.stringify(v)}`);
  return v;
}

interface SimulateFlags {
  spec: string[];
  seed: string;
  scale: string;
  days: string;
  start: string;
  promotedPenalty: string;
  drift: string;
  coldStartShare?: string;
  policies: string;
  report: string;
  json?: boolean;
  workDir?: string;
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('run the job day after day in a simulated world that reacts to what it publishes, and compare policies')
    .option('--spec <file>', `scoring spec under test; repeat to compare specs (default ${DEFAULT_SPEC})`, (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--seed <seed>', 'seed of the world: same seed and flags give the same metrics', '1')
    .option('--scale <n>', 'size of the world: 1 ≈ 100k candidate rows', '1')
    .option('--days <n>', 'simulated days of the flight', '28')
    .option('--start <date>', 'first simulated day (history covers the 35 days before it)', DEFAULT_SAMPLE_AS_OF)
    .option('--promoted-penalty <x>', 'how much worse promoted context is than organic: 1 = the sample\'s gap, 2 = twice it', '1')
    .option('--drift <x>', 'drift of the true rates over the flight (logit units per standard deviation)', '0.1')
    .option('--cold-start-share <x>', 'share of active campaigns never promoted before the flight (default: the sample\'s)')
    .option('--policies <list>', `baselines to run next to the spec(s), comma-separated (${BASELINES.join(',')})`, BASELINES.join(','))
    .option('--report <dir>', 'directory of the HTML page', '.promoscore/reports')
    .option('--work-dir <dir>', 'keep the world\'s stores and sample here (default: a temp directory, removed)')
    .option('--json', 'print {"world", "policies"} as JSON on stdout')
    .option('--log-format <format>', 'json | text (default: text on a terminal, json otherwise)')
    .addHelpText(
      'after',
      `
Examples:
  promoscore simulate --days 28                         # default world, every policy, HTML page in .promoscore/reports
  promoscore simulate --seed 7 --promoted-penalty 2 --json
  promoscore simulate --spec specs/default.yaml --spec my-spec.yaml --policies uniform,none,oracle

Every simulated day the real job runs on each policy's world and publishes to that policy's store; the
world serves what was published, draws outcomes from its true rates and appends them to engagement_daily.
Metrics come from the truth: incremental saves and streams against "none", revenue, true guardrail
breaches, campaign delivery, licensor concentration. Definitions: docs/evaluation.md.`,
    )
    .action(
      action(async (flags: SimulateFlags) => {
        const policies = flags.policies.split(',').map((s) => s.trim()).filter(Boolean);
        const result = await simulate({
          specs: flags.spec.length ? flags.spec : [PACKAGED_SPEC],
          seed: flags.seed,
          scale: numberFlag('--scale', flags.scale, 0.001, 100),
          days: numberFlag('--days', flags.days, 1, 365, { integer: true }),
          start: date('--start', flags.start),
          promotedPenalty: numberFlag('--promoted-penalty', flags.promotedPenalty, 0, 10),
          drift: numberFlag('--drift', flags.drift, 0, 10),
          coldStartShare: flags.coldStartShare === undefined ? undefined : numberFlag('--cold-start-share', flags.coldStartShare, 0, 1),
          baselines: policies,
          workDir: flags.workDir,
          onDay: (t, days, s) => process.stderr.write(`day ${t + 1}/${days} done at ${s.toFixed(1)} s\n`),
        });
        await mkdir(flags.report, { recursive: true });
        const w = result.world;
        const file = join(flags.report, `simulate-seed${w.seed}-scale${w.scale}-${w.days}d-p${w.promoted_penalty}-d${w.drift}.html`.replace(/[^A-Za-z0-9_.\/-]/g, '_'));
        await writeFile(file + '.tmp', renderSimulationReport(result));
        await rename(file + '.tmp', file);
        if (flags.json) {
          process.stdout.write(JSON.stringify({ world: result.world, policies: result.policies }) + '\n');
        } else {
          const names = Object.keys(result.policies);
          const lines = names.map((n) => {
            const p = result.policies[n];
            return `  ${n.padEnd(14)} saves ${p.incremental_saves.toFixed(0).padStart(10)}  streams ${p.incremental_streams.toFixed(0).padStart(11)}  revenue ${p.revenue.toFixed(0).padStart(9)}  promoted skip ${p.promoted_skip_rate.toFixed(4)}  breaches ${(p.breach_share * 100).toFixed(1)}%  paced ${(p.paced_within_15pct * 100).toFixed(1)}% of ${p.campaigns_capacity_allows} (${(p.paced_within_15pct_guardrail_allows * 100).toFixed(1)}% of ${p.campaigns_guardrail_allows} within the guardrail)`;
          });
          process.stdout.write(`simulated ${w.days} days at scale ${w.scale} (seed ${w.seed}) in ${result.seconds.total.toFixed(1)} s\n${lines.join('\n')}\nreport: ${file}\n`);
        }
        process.stderr.write(`wall ${result.seconds.total.toFixed(1)} s (jobs ${result.seconds.jobs.toFixed(1)} s, world ${result.seconds.world.toFixed(1)} s, sample ${result.seconds.sample.toFixed(1)} s)\n`);
      }),
    );
}
