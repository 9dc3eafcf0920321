/**
 * What a person watching a backfill reads on stdout: `n/N` and an ETA on each as-of's line, then a
 * tally with the report of every published as-of. The ETA is the mean time of the as-ofs that ran
 * (skipped ones cost a plan only) times the as-ofs left. The clock is injectable for tests.
 */
import type { BackfillStep } from './backfill.ts';

export interface TallyOptions {
  /** milliseconds (default: performance.now) */
  now?: () => number;
  write?: (line: string) => void;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function createBackfillTally(total: number, opts: TallyOptions = {}) {
  const now = opts.now ?? (() => performance.now());
  const write = opts.write ?? ((line: string) => void process.stdout.write(line + '\n'));
  const started = now();
  let last = started;
  let seen = 0;
  let ranSeconds = 0;
  let ran = 0;
  const steps: BackfillStep[] = [];
  const width = String(total).length;
  return {
    step(s: BackfillStep): void {
      const t = now();
      const seconds = (t - last) / 1000;
      last = t;
      seen++;
      steps.push(s);
      if (s.status !== 'skipped' && s.status !== 'planned') {
        ran++;
        ranSeconds += seconds;
      }
      const left = total - seen;
      const eta = left === 0 || s.status === 'failed' ? '' : ran ? `ETA ${formatDuration((ranSeconds / ran) * left)}` : 'ETA -';
      const tail = s.status === 'failed' ? `exit ${s.exitCode}: ${s.error}` : s.rows !== undefined ? `${s.rows.toLocaleString('en-US')} rows` : '';
      write(
        `${String(seen).padStart(width)}/${total}  ${s.asOf.padEnd(13)} ${s.status.padEnd(17)} ${s.version.padEnd(28)} ${formatDuration(seconds).padStart(6)}  ${tail}${eta ? `  ${eta}` : ''}`.trimEnd(),
      );
    },
    /** the closing lines: counts by status, elapsed time, and the report of each as-of that has one */
    finish(): void {
      const count = new Map<string, number>();
      for (const s of steps) count.set(s.status, (count.get(s.status) ?? 0) + 1);
      const range = steps.length ? `${steps[0]!.asOf}..${steps[steps.length - 1]!.asOf}` : '(nothing)';
      const notRun = total - steps.length;
      const parts = [...count].map(([k, n]) => `${n} ${k}`);
      if (notRun > 0) parts.push(`${notRun} not run`);
      write(`backfill ${range}: ${parts.join(', ')} in ${formatDuration((now() - started) / 1000)}`);
      const reports = steps.filter((s) => s.report);
      if (reports.length) {
        write('reports:');
        for (const s of reports) write(`  ${s.asOf.padEnd(13)} ${s.report}`);
      }
    },
  };
}
