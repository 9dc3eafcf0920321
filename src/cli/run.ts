import type { Command } from 'commander';
import { DEFAULT_DATASET, DEFAULT_NOTIFY_URI, DEFAULT_STORE_URI } from '../config/defaults.ts';
import { action } from './exit.ts';
import { createLogger, defaultLogFormat, type LogFormat, type Logger } from '../observability/log.ts';
import { createProgress, noProgress, type Progress, type ProgressStream } from '../observability/progress.ts';
import type { RunOptions } from '../run/run-job.ts';
import { printRunSummary } from '../run/summary.ts';
import { parseShard } from '../run/shard.ts';
import { UsageError } from '../core/errors.ts';

/** The flags as commander hands them over: the run's own options, plus those still raw strings. */
export type CommonRunFlags = Pick<RunOptions, 'job' | 'asOf' | 'warehouse' | 'store' | 'notify' | 'dataset' | 'spec' | 'force' | 'dryRun' | 'set'> & {
  report?: string | false;
  logFormat?: string;
  shard?: string;
  scale?: string;
};

/** Options shared by run, plan and backfill. */
export function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--job <file>', 'job definition (YAML or JSON), e.g. jobs/nightly.yaml')
    .option('--warehouse <uri>', 'bigquery://PROJECT/DATASET | duckdb:FILE | parquet:DIR (default: generated sample)')
    .option('--store <uri>', `gs://BUCKET/PREFIX | file://DIR (default: ${DEFAULT_STORE_URI})`)
    .option('--notify <uri>', `pubsub://projects/P/topics/T | file://PATH.ndjson (default: ${DEFAULT_NOTIFY_URI})`)
    .option('--dataset <name>', `snapshot dataset name (default: ${DEFAULT_DATASET})`)
    .option('--spec <file>', 'scoring spec file (default: specs/default.yaml)')
    .option('--scale <n>', 'scale of the generated sample when no warehouse is given (default 1)')
    .option('--set <key=value>', 'override one job setting for this run, e.g. quality.output.max_row_change=3 (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--force', 'publish a new version id for the same inputs, even if this identity was already published or rolled back (the gates still apply)')
    .option('--report <dir>', 'directory for the run result (JSON) and HTML report, and their index.html (default: ./.promoscore/reports)')
    .option('--no-report', 'write neither the run result file nor the HTML report')
    .option('--log-format <format>', 'json | text (default: text on a terminal, json otherwise)');
}

export function toRunOptions(flags: CommonRunFlags): RunOptions {
  if (flags.logFormat && flags.logFormat !== 'json' && flags.logFormat !== 'text') {
    throw new UsageError(`--log-format: "${flags.logFormat}" must be json or text`);
  }
  let scale: number | undefined;
  if (flags.scale !== undefined) {
    scale = Number(flags.scale);
    if (!Number.isFinite(scale) || scale <= 0 || scale > 1000) throw new UsageError(`--scale: "${flags.scale}" must be a number in (0, 1000]`);
  }
  return {
    job: flags.job,
    asOf: flags.asOf,
    warehouse: flags.warehouse,
    store: flags.store,
    notify: flags.notify,
    dataset: flags.dataset,
    spec: flags.spec,
    set: flags.set,
    force: flags.force,
    dryRun: flags.dryRun,
    reportDir: flags.report === false ? null : flags.report,
    shard: flags.shard !== undefined ? parseShard(flags.shard, '--shard') : undefined,
    scale,
    faults: crashHookFromEnv(),
  };
}

/**
 * Fault injection for the crash tests: PROMOSCORE_CRASH_AT=<step prefix> makes the process die by
 * SIGKILL (no cleanup, like a lost machine) when the run reaches that publish step.
 */
function crashHookFromEnv(): RunOptions['faults'] {
  const at = process.env.PROMOSCORE_CRASH_AT;
  if (!at) return undefined;
  return (step: string) => {
    if (step.startsWith(at)) process.kill(process.pid, 'SIGKILL');
  };
}

export function loggerFor(flags: CommonRunFlags) {
  return createLogger({ format: flags.logFormat as LogFormat | undefined });
}

/**
 * On a terminal with text logs, the stage lines are the story: the run's INFO lines would repeat
 * them, so only notices, warnings and errors print between them (PROMOSCORE_LOG_LEVEL overrides).
 * Anywhere else (JSON logs, no TTY) nothing changes: every entry is logged, no progress is drawn.
 */
export function terminalOutput(flags: CommonRunFlags, stream: ProgressStream = process.stderr): { log: Logger; progress: Progress } {
  const format = (flags.logFormat as LogFormat | undefined) ?? defaultLogFormat();
  if (format !== 'text' || !stream.isTTY) return { log: loggerFor(flags), progress: noProgress };
  const level = process.env.PROMOSCORE_LOG_LEVEL ? undefined : 'NOTICE';
  // a log line first clears the stage line drawn in place; the ticker redraws it below
  const write = (line: string) => stream.write(`\r\x1b[2K${line}\n`);
  return { log: createLogger({ format, level, write }), progress: createProgress(stream) };
}

export function registerRun(program: Command): void {
  const cmd = program.command('run').description('run the job once: plan, extract, validate, score, gate, publish, notify, report');
  addRunOptions(cmd)
    .option('--as-of <date|hour>', 'logical time: YYYY-MM-DD (daily) or YYYY-MM-DDTHH (hourly); default: now (UTC)')
    .option('--dry-run', 'plan only: resolve config and version identity, estimate bytes scanned; publish nothing')
    .option('--shard <i/n>', 'run task i of n (default from CLOUD_RUN_TASK_INDEX/CLOUD_RUN_TASK_COUNT)')
    .option('--json', 'print the run result (status, exit code, version, stages, gates, paths) as JSON on stdout, on failure too')
    .addHelpText(
      'after',
      `
Examples:
  $ promoscore run
  $ promoscore run --as-of 2026-11-25 --scale 10 --set quality.output.max_row_change=10
  $ promoscore run --job jobs/nightly.yaml --warehouse duckdb:features.duckdb --store file:///data/promo
  $ promoscore run --job jobs/hourly.yaml --as-of 2026-11-25T13 --log-format json
  $ promoscore run --warehouse bigquery://my-proj/promo_features --store gs://my-bucket/snapshots \\
      --notify pubsub://projects/my-proj/topics/promo-snapshots

Every run writes its result (JSON) and an HTML report under --report's directory, on failure too.

Exit codes: 0 published or already published, 2 usage/config error, 3 input data failed validation,
4 output failed a gate (the message names the --set that lets an understood change through),
5 infrastructure failure (safe to retry), 6 lost a race to a concurrent run.`,
    )
    .action(
      action(async (flags: CommonRunFlags & { json?: boolean }) => {
        const { log, progress } = terminalOutput(flags);
        // loaded on use: the warehouse engine is heavy, and --help or other commands need none of it
        const { runJob } = await import('../run/run-job.ts');
        const { resultOf, runResultJson } = await import('../run/journal.ts');
        const printJson = (r: Parameters<typeof runResultJson>[0]) => process.stdout.write(JSON.stringify(runResultJson(r), null, 2) + '\n');
        let result;
        try {
          result = await runJob(toRunOptions(flags), log, { progress });
        } catch (err) {
          progress.close();
          const failed = resultOf(err);
          if (flags.json && failed) printJson(failed);
          throw err;
        }
        progress.close();
        if (flags.json) printJson(result);
        else printRunSummary(result, log);
      }),
    );
}
