/** `promoscore sample-data`: writes a deterministic synthetic feature dataset as Parquet. */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import { createLogger } from '../observability/log.ts';
import { DEFAULT_SAMPLE_AS_OF, generateSample } from '../sample/generate.ts';
import { action } from './exit.ts';

export { ensureDefaultSample } from '../sample/default.ts';

function positiveNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a number > 0, got ${JSON.stringify(v)}`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('sample-data')
    .description('write a deterministic, realistic synthetic feature dataset (the seven contract tables) as Parquet')
    .requiredOption('--out <dir>', 'directory to write <table>.parquet files into (created if missing)')
    .option('--scale <n>', 'size: 1 ≈ 100k candidate rows, 10 ≈ 1M (fractions allowed)', '1')
    .option('--seed <seed>', 'seed of the generator: same seed, scale and as-of give the same files', '1')
    .option('--as-of <date>', 'the date the data leads up to (engagement covers the 35 days before it)', DEFAULT_SAMPLE_AS_OF)
    .option('--json', 'print the summary as JSON on stdout')
    .addHelpText(
      'after',
      `
Examples:
  promoscore sample-data --out ./data/sample
  promoscore sample-data --out /tmp/s10 --scale 10 --seed 7 --as-of 2026-03-01
  promoscore run --warehouse parquet:./data/sample --as-of 2026-01-15

The files are campaigns, campaign_targets, tracks, track_restrictions, licensors,
engagement_daily and surface_capacity (.parquet), plus sample.json describing them.`,
    )
    .action(
      action(async (opts: { out: string; scale: string; seed: string; asOf: string; json?: boolean }) => {
        const scale = positiveNumber('--scale')(opts.scale);
        const summary = await generateSample({ outDir: opts.out, scale, seed: opts.seed, asOf: opts.asOf });
        if (opts.json) {
          process.stdout.write(JSON.stringify(summary) + '\n');
        } else {
          const log = createLogger();
          const lines = Object.entries(summary.rows).map(([t, n]) => `  ${t.padEnd(20)} ${n.toLocaleString('en-US')} rows`);
          process.stdout.write(`sample written to ${summary.outDir} in ${summary.seconds.toFixed(1)} s (scale ${scale}, seed ${summary.seed}, as-of ${summary.asOf})\n${lines.join('\n')}\n`);
          log.debug('sample-data done', { ...summary });
        }
      }),
    );
}
