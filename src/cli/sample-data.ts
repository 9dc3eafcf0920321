/** `promoscore sample-data`: writes a deterministic synthetic feature dataset as Parquet. */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import { createLogger } from '../observability/log.ts';
import { DEFAULT_SAMPLE_AS_OF, generateSample } from '../sample/generate.ts';
import { action } from './exit.ts';
import { addOutputOptions } from './options.ts';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

export { ensureDefaultSample } from '../sample/default.ts';

const WHY: Record<string, string> = {
  ENOTDIR: 'a parent is a file, not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  EEXIST: 'a file of that name exists',
  ENOSPC: 'no space left on the device',
};

/** The output directory exists and is writable, or a one-line usage error names --out (exit 2). */
function prepareOutDir(out: string): void {
  const dir = resolve(out);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`--out: cannot write to ${dir} (${code}${WHY[code] ? `: ${WHY[code]}` : ''})`, { cause: err });
  }
}

function positiveNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a number > 0, got ${JSON.stringify(v)}`);
    return n;
  };
}

export function register(program: Command): void {
  const cmd = program
    .command('sample-data')
    .description('write a deterministic, realistic synthetic feature dataset (the seven contract tables) as Parquet')
    .requiredOption('--out <dir>', 'directory to write <table>.parquet files into (created if missing)')
    .option('--scale <n>', 'size: 1 ≈ 100k candidate rows, 10 ≈ 1M (fractions allowed)', '1')
    .option('--seed <seed>', 'seed of the generator: same seed, scale and as-of give the same files', '1')
    .option('--as-of <date>', 'the date the data leads up to (engagement covers the 35 days before it)', DEFAULT_SAMPLE_AS_OF);
  addOutputOptions(cmd, { json: 'print the summary as JSON on stdout' })
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
        prepareOutDir(opts.out);
        const summary = await generateSample({ outDir: opts.out, scale, seed: opts.seed, asOf: opts.asOf });
        if (opts.json) {
          const { outDir, asOf, ...rest } = summary;
          process.stdout.write(JSON.stringify({ out_dir: outDir, as_of: asOf, ...rest }) + '\n');
        } else {
          const log = createLogger();
          const lines = Object.entries(summary.rows).map(([t, n]) => `  ${t.padEnd(20)} ${n.toLocaleString('en-US')} rows`);
          process.stdout.write(`sample written to ${summary.outDir} in ${summary.seconds.toFixed(1)} s (scale ${scale}, seed ${summary.seed}, as-of ${summary.asOf})\n${lines.join('\n')}\n`);
          log.debug('sample-data done', { ...summary });
        }
      }),
    );
}
