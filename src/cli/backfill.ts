import type { Command } from 'commander';
import { PromoscoreError, UsageError, exitCodeOf } from '../core/errors.ts';
import type { Logger } from '../observability/log.ts';
import { addDays } from '../core/dates.ts';
import { parseAsOf, type AsOf } from '../run/as-of.ts';
import { runJob, type RunOptions, type RunResult } from '../run/run-job.ts';
import { resultOf } from '../run/journal.ts';
import { markers } from '../snapshot/markers.ts';
import { openStore } from '../store/open.ts';
import { action } from './exit.ts';
import { createBackfillTally } from './backfill-tally.ts';
import { addRunOptions, loggerFor, toRunOptions, type CommonRunFlags } from './run.ts';

/**
 * `promoscore backfill --from D --to D`: one as-of after another, oldest first. What is done lives in
 * the store, not in a local state file: an as-of whose version has its `_notified` marker (published
 * and announced) is skipped, so rerunning the same backfill after a crash resumes where it stopped.
 * The first failure stops the backfill with that run's exit code.
 */
export const MAX_STEPS = 3660;

/** Every as-of from `from` to `to` inclusive: days for dates, hours for hours. */
export function backfillSteps(fromText: string, toText: string): AsOf[] {
  const from = parseAsOf(fromText, '--from');
  const to = parseAsOf(toText, '--to');
  if ((from.hour === null) !== (to.hour === null)) {
    throw new UsageError('--from and --to must both be dates (YYYY-MM-DD) or both hours (YYYY-MM-DDTHH)');
  }
  if (to.text < from.text) throw new UsageError(`--to ${to.text} is before --from ${from.text}`);
  const out: AsOf[] = [];
  let cur = from;
  while (cur.text <= to.text) {
    if (out.length >= MAX_STEPS) throw new UsageError(`backfill of more than ${MAX_STEPS} steps: split the range`);
    out.push(cur);
    if (cur.hour === null) cur = parseAsOf(addDays(cur.date, 1));
    else {
      const h = cur.hour + 1;
      cur = h === 24 ? parseAsOf(`${addDays(cur.date, 1)}T00`) : parseAsOf(`${cur.date}T${String(h).padStart(2, '0')}`);
    }
  }
  return out;
}

export interface BackfillStep {
  asOf: string;
  version: string;
  status: 'published' | 'already-published' | 'task-written' | 'skipped' | 'planned' | 'failed';
  rows?: number;
  error?: string;
  exitCode?: number;
  /** the HTML report of a run that wrote one */
  report?: string;
}

export interface BackfillResult {
  steps: BackfillStep[];
  /** 0, or the exit code of the run that stopped the backfill */
  exitCode: number;
}

export type JobRunner = (opts: RunOptions, log: Logger) => Promise<RunResult>;

/**
 * Whether a version of this dataset is done: published and announced (its `_notified` marker). A
 * version that is LATEST but was never announced (a crash between the swap and the notification)
 * is not done: its rerun must send the notification.
 */
async function isDone(storeUri: string, dataset: string, version: string): Promise<boolean> {
  const store = await openStore(storeUri);
  try {
    return (await store.stat(markers.notified(dataset, version))) !== null;
  } finally {
    await store.close?.();
  }
}

export async function backfill(
  base: RunOptions,
  range: { from: string; to: string; dryRun?: boolean },
  log: Logger,
  runner: JobRunner = runJob,
  onStep: (s: BackfillStep) => void = () => {},
): Promise<BackfillResult> {
  const steps = backfillSteps(range.from, range.to);
  const done: BackfillStep[] = [];
  log.info('backfill', { from: steps[0].text, to: steps[steps.length - 1].text, steps: steps.length });
  for (const asOf of steps) {
    let version = '';
    try {
      // the plan names the version this as-of would publish, without extracting anything
      const plan = await runner({ ...base, asOf: asOf.text, dryRun: true }, log);
      version = plan.version;
      if (!base.force && (await isDone(plan.storeUri, plan.dataset, version))) {
        const s: BackfillStep = { asOf: asOf.text, version, status: 'skipped' };
        log.info('backfill: already published, skipped', { as_of: asOf.text, version });
        done.push(s);
        onStep(s);
        continue;
      }
      if (range.dryRun) {
        const s: BackfillStep = { asOf: asOf.text, version, status: 'planned' };
        done.push(s);
        onStep(s);
        continue;
      }
      // an as-of older than LATEST's is published and announced without moving LATEST back
      const opts: RunOptions = { ...base, asOf: asOf.text, dryRun: false, behindLatest: true };
      const r = await runner(opts, log);
      const s: BackfillStep = { asOf: asOf.text, version: r.version, status: r.status, rows: r.rows, report: r.reportPath };
      done.push(s);
      onStep(s);
    } catch (err) {
      const code = exitCodeOf(err);
      const message = (err as Error)?.message ?? String(err);
      const report = resultOf(err)?.reportPath;
      const s: BackfillStep = { asOf: asOf.text, version, status: 'failed', error: message, exitCode: code, ...(report ? { report } : {}) };
      done.push(s);
      onStep(s);
      log.error(`backfill stopped at ${asOf.text}: ${message}`, { as_of: asOf.text, exit_code: code, remaining: steps.length - done.length });
      if (!(err instanceof PromoscoreError)) log.debug('unexpected failure', { stack: (err as Error)?.stack });
      return { steps: done, exitCode: code };
    }
  }
  return { steps: done, exitCode: 0 };
}

/** One as-of as a JSON line, in the snake_case every other command prints. */
export function stepJson(s: BackfillStep): Record<string, unknown> {
  return { as_of: s.asOf, version: s.version, status: s.status, rows: s.rows, error: s.error, exit_code: s.exitCode, report: s.report };
}

interface BackfillFlags extends CommonRunFlags {
  from: string;
  to: string;
  json?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('backfill')
    .description('run the job for every as-of in a range, oldest first, skipping published ones; resumable')
    .requiredOption('--from <date|hour>', 'first as-of, YYYY-MM-DD (daily) or YYYY-MM-DDTHH (hourly)')
    .requiredOption('--to <date|hour>', 'last as-of, inclusive, of the same kind as --from');
  addRunOptions(cmd)
    .option('--dry-run', 'list which as-ofs would run and which are already published; publish nothing')
    .option('--json', 'print one JSON line per as-of on stdout (as_of, version, status, rows, error, exit_code, report)')
    .addHelpText(
      'after',
      `
An as-of counts as done when its version (dataset, as-of, spec, inputs) was published and announced;
rerunning the same command after a crash or a failure resumes at the first as-of not done.
The first failing as-of stops the backfill and its exit code becomes the backfill's (3 input, 4 gate,
5 infrastructure, 6 lost race). LATEST never moves backwards: an as-of older than LATEST's is
published and announced behind it (the publisher's behindLatest), and LATEST stays where it is.

Examples:
  $ promoscore backfill --from 2026-11-01 --to 2026-11-25
  $ promoscore backfill --job jobs/backfill.yaml --from 2026-11-01 --to 2026-11-07 --dry-run
  $ promoscore backfill --from 2026-11-25T00 --to 2026-11-25T23 --job jobs/hourly.yaml
  $ promoscore backfill --from 2026-10-01 --to 2026-10-31 --warehouse parquet:./export --dataset promo_scores_oct --json`,
    )
    .action(
      action(async (flags: BackfillFlags) => {
        const log = loggerFor(flags);
        const base = { ...toRunOptions(flags), asOf: undefined, dryRun: false };
        const tally = createBackfillTally(backfillSteps(flags.from, flags.to).length);
        const print = (s: BackfillStep) => {
          if (flags.json) process.stdout.write(JSON.stringify(stepJson(s)) + '\n');
          else tally.step(s);
        };
        const result = await backfill(base, { from: flags.from, to: flags.to, dryRun: flags.dryRun }, log, runJob, print);
        if (!flags.json) tally.finish();
        return result.exitCode;
      }),
    );
}
