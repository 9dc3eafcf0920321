import { describe, expect, it } from 'vitest';
import { createBackfillTally, formatDuration } from '../../src/cli/backfill-tally.ts';
import { stepJson, type BackfillStep } from '../../src/cli/backfill.ts';

function tallyWithClock(total: number) {
  let t = 0;
  const lines: string[] = [];
  const tally = createBackfillTally(total, { now: () => t, write: (l) => lines.push(l.replace(/\s+/g, ' ')) });
  return { tally, lines, advance: (s: number) => (t += s * 1000) };
}

const step = (asOf: string, status: BackfillStep['status'], extra: Partial<BackfillStep> = {}): BackfillStep => ({ asOf, version: `v-${asOf}`, status, ...extra });

describe('backfill on stdout: n of N, an ETA, a tally with the reports', () => {
  it('numbers each as-of, estimates the rest from the as-ofs that ran, and ends with counts and report paths', () => {
    const { tally, lines, advance } = tallyWithClock(5);
    advance(0.5);
    tally.step(step('2026-11-01', 'skipped'));
    advance(10);
    tally.step(step('2026-11-02', 'published', { rows: 94941, report: '.promoscore/reports/a.html' }));
    advance(20);
    tally.step(step('2026-11-03', 'published', { rows: 95000, report: '.promoscore/reports/b.html' }));
    advance(15);
    tally.step(step('2026-11-04', 'failed', { exitCode: 4, error: 'output failed a gate' }));
    tally.finish();
    expect(lines).toEqual([
      '1/5 2026-11-01 skipped v-2026-11-01 0.5s ETA -',
      '2/5 2026-11-02 published v-2026-11-02 10.0s 94,941 rows ETA 30.0s',
      '3/5 2026-11-03 published v-2026-11-03 20.0s 95,000 rows ETA 30.0s',
      '4/5 2026-11-04 failed v-2026-11-04 15.0s exit 4: output failed a gate',
      'backfill 2026-11-01..2026-11-04: 1 skipped, 2 published, 1 failed, 1 not run in 45.5s',
      'reports:',
      ' 2026-11-02 .promoscore/reports/a.html',
      ' 2026-11-03 .promoscore/reports/b.html',
    ]);
  });

  it('durations read as people say them', () => {
    expect([formatDuration(4.25), formatDuration(61), formatDuration(3599), formatDuration(7380)]).toEqual(['4.3s', '1m01s', '59m59s', '2h03m']);
  });

  it('--json lines are snake_case', () => {
    expect(Object.keys(stepJson(step('2026-11-04', 'failed', { exitCode: 4, error: 'x' })))).toEqual(['as_of', 'version', 'status', 'rows', 'error', 'exit_code', 'report']);
  });
});
