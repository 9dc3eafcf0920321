/** `promoscore replay`: the allocation's incremental saves on a warehouse's own history (docs/evaluation.md, "Replay"). */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import { parseAsOf } from '../run/as-of.ts';
import { createLogger } from '../observability/log.ts';
import { action } from './exit.ts';
import { addConfigOptions, addOutputOptions, numberFlag, parseLogFormat, type ConfigOptionFlags, type OutputFlags } from './options.ts';

interface ReplayFlags extends ConfigOptionFlags, OutputFlags {
  spec?: string;
  set?: string[];
  asOf?: string[];
  horizon: string;
  replicates: string;
  seed: string;
}

/** Dates from repeated or comma-separated --as-of values, daily only, each once. */
export function parseAsOfs(values: readonly string[]): string[] {
  const dates = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  if (!dates.length) throw new UsageError('--as-of: at least one date YYYY-MM-DD is needed (repeat the flag or separate dates by commas)');
  for (const d of dates) if (parseAsOf(d, '--as-of').hour !== null) throw new UsageError(`--as-of: "${d}" is an hour; replay works on days (YYYY-MM-DD)`);
  if (new Set(dates).size !== dates.length) throw new UsageError(`--as-of: a date is given twice (${dates.join(', ')})`);
  return dates;
}

export function register(program: Command): void {
  const cmd = program
    .command('replay')
    .description('estimate the allocation\'s incremental saves on a warehouse\'s own history: SNIPS on logged propensities, the direct method elsewhere, with bootstrap intervals');
  addConfigOptions(cmd)
    .option('--warehouse <uri>', 'bigquery://PROJECT/DATASET | duckdb:FILE | parquet:DIR holding the history to replay on (env PROMOSCORE_WAREHOUSE, or the job\'s; required)')
    .option('--spec <file>', 'scoring spec to replay (default: the job\'s, else specs/default.yaml)')
    .option('--set <key=value>', 'override one job setting, as for run (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--as-of <dates>', 'as-of dates YYYY-MM-DD: allocate with features from before each (repeatable, or comma-separated)', (v: string, all: string[] = []) => [...all, v])
    .option('--horizon <days>', 'days of held-out engagement from each as-of', '7')
    .option('--replicates <n>', 'bootstrap replicates', '200')
    .option('--seed <n>', 'seed of the bootstrap: the same seed and inputs give the same output, byte for byte', '1');
  addOutputOptions(cmd, { json: 'print the estimates as JSON on stdout (shape: docs/evaluation.md, "Replay")' })
    .addHelpText(
      'after',
      `
Examples:
  $ promoscore replay --warehouse parquet:./sample --as-of 2026-01-01,2026-01-08 --horizon 7
  $ promoscore replay --job jobs/nightly.yaml --as-of 2026-11-01 --as-of 2026-11-15 --json

Logged propensities come from the snapshots served on each day of the horizon (--store, --dataset);
days without one are valued by the direct method, and the output says how much (method mix).

Exit codes: 0 done, 2 usage/config error (the message names the flag), 3 input data (names the table
and column), 5 infrastructure failure (safe to retry).`,
    )
    .action(
      action(async (flags: ReplayFlags) => {
        parseLogFormat(flags.logFormat);
        const opts = {
          job: flags.job,
          warehouse: flags.warehouse,
          store: flags.store,
          dataset: flags.dataset,
          spec: flags.spec,
          set: flags.set,
          asOfs: parseAsOfs(flags.asOf ?? []),
          horizonDays: numberFlag('--horizon', flags.horizon, 1, 90, { integer: true }),
          replicates: numberFlag('--replicates', flags.replicates, 1, 100_000, { integer: true }),
          seed: numberFlag('--seed', flags.seed, 0, 2 ** 32 - 1, { integer: true }),
        };
        // loaded on use: the warehouse engine is heavy, and --help needs none of it
        const { replay } = await import('../replay/replay.ts');
        const { replayJson, replayTable } = await import('../replay/render.ts');
        const result = await replay(opts, createLogger());
        process.stdout.write(flags.json ? replayJson(result) : replayTable(result));
      }),
    );
}
