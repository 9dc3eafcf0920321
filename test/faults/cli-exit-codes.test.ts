import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observability/log.ts';
import { exitCodeOf } from '../../src/core/errors.ts';
import { runJob } from '../../src/run/run-job.ts';
import { logEntries as logLines, runCli, type CliResult } from '../support/cli.ts';
import { AS_OF, copyDataset, spoil, useFaultSuite } from './helpers/dataset.ts';
import { storeState, storeUri } from './helpers/store-state.ts';

/**
 * Every exit code of the contract through the real CLI process, and four runs racing on one store.
 * Each failure prints one error line naming the cause (no stack) and leaves the store as it was.
 */
let root: string;
let base: string;
let spec: string;
useFaultSuite('exit', (dirs) => ({ root, base, spec } = dirs));

function place(name: string) {
  const dir = join(root, name);
  return { dir, storeDir: join(dir, 'store'), outbox: join(dir, 'outbox.ndjson') };
}

function runArgs(p: ReturnType<typeof place>, warehouse: string, asOf = AS_OF, extra: string[] = []): string[] {
  return ['run', '--as-of', asOf, '--warehouse', `parquet:${warehouse}`, '--store', storeUri(p.storeDir), '--notify', pathToFileURL(p.outbox).href, '--no-report', '--spec', spec, ...extra];
}

/** The status of the run summary (with JSON logs it is a log line on stderr). */
function summaryStatus(r: CliResult): string | undefined {
  return logLines(r.stderr).find((l) => l.message === 'run summary')?.status as string | undefined;
}

/** The CLI's last error line, which must be a foreseen one: a message and an exit code, no stack. */
function errorLine(r: CliResult): Record<string, unknown> {
  const errors = logLines(r.stderr).filter((l) => l.severity === 'ERROR');
  expect(errors.length, r.stderr.slice(-2000)).toBeGreaterThan(0);
  const last = errors[errors.length - 1];
  expect(last.stack).toBeUndefined();
  expect(r.stderr).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);
  return last;
}

async function seed(p: ReturnType<typeof place>, asOf: string, warehouse = base) {
  return runJob({ warehouse: `parquet:${warehouse}`, store: storeUri(p.storeDir), notify: pathToFileURL(p.outbox).href, asOf, spec, reportDir: null }, silentLogger);
}

// the machine is shared: generous timeouts, never a timing assertion
const SLOW = 180_000;

describe.concurrent('exit codes through the CLI', () => {
  it('0: published, then 0 again: already published', async () => {
    const p = place('exit0');
    const first = await runCli(runArgs(p, base), { cwd: root });
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    expect(summaryStatus(first)).toBe('published');
    const again = await seed(p, AS_OF);
    expect(again.status).toBe('already-published');
    const s = await storeState(p.storeDir, p.outbox);
    expect(s.latest).toBe(again.version);
    expect(s.latestSound).toBe(true);
    expect(s.announced).toEqual([s.latest]);
  }, SLOW);

  it('2: a bad flag names the flag', async () => {
    const p = place('exit2');
    const r = await runCli(runArgs(p, base, '2026-13-45'), { cwd: root });
    expect(r.code).toBe(2);
    expect(String(errorLine(r).message)).toContain('--as-of: "2026-13-45"');
    expect((await storeState(p.storeDir, p.outbox)).latest).toBeNull();
  }, SLOW);

  it('3: hostile input names table, column, check and key; nothing published', async () => {
    const p = place('exit3');
    const data = copyDataset(base, join(p.dir, 'data'));
    await spoil(data, [`INSERT INTO campaigns SELECT * FROM campaigns WHERE campaign_id = (SELECT min(campaign_id) FROM campaigns)`], ['campaigns']);
    const r = await runCli(runArgs(p, data), { cwd: root });
    expect(r.code).toBe(3);
    expect(String(errorLine(r).message)).toMatch(/check "duplicate_keys" on campaigns\.campaign_id: 2 offending rows, e\.g\. "cmp_\w+"/);
    const s = await storeState(p.storeDir, p.outbox);
    expect([s.latest, s.versions, s.announced]).toEqual([null, [], []]);
  }, SLOW);

  it('3: a wrong column type through the CLI names table and column', async () => {
    const p = place('exit3-type');
    const data = copyDataset(base, join(p.dir, 'data'));
    await spoil(data, [`CREATE OR REPLACE TABLE surface_capacity AS SELECT * REPLACE (CAST(daily_impressions AS VARCHAR) AS daily_impressions) FROM surface_capacity`], ['surface_capacity']);
    const r = await runCli(runArgs(p, data), { cwd: root });
    expect(r.code).toBe(3);
    expect(String(errorLine(r).message)).toMatch(/surface_capacity\.daily_impressions has type VARCHAR/);
    expect((await storeState(p.storeDir, p.outbox)).versions).toEqual([]);
  }, SLOW);

  it('0 with drops: NaN and negative counts are dropped, counted in the manifest, the snapshot verifies', async () => {
    const p = place('exit0-drop');
    const data = copyDataset(base, join(p.dir, 'data'));
    await spoil(data, [
      `UPDATE campaigns SET commission_rate = 'NaN'::DOUBLE WHERE campaign_id = (SELECT min(campaign_id) FROM campaigns WHERE status = 'active')`,
      `UPDATE engagement_daily SET impressions = -1 WHERE event_date = (SELECT max(event_date) FROM engagement_daily) AND track_id = (SELECT min(track_id) FROM engagement_daily WHERE event_date = (SELECT max(event_date) FROM engagement_daily))`,
    ], ['campaigns', 'engagement_daily']);
    const r = await runCli(runArgs(p, data), { cwd: root });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(summaryStatus(r)).toBe('published');
    const warnings = logLines(r.stderr).filter((l) => l.severity === 'WARNING').map((l) => String(l.message));
    expect(warnings.some((m) => m.includes('input check "non_finite" on candidates.commission_rate'))).toBe(true);
    expect(warnings.some((m) => m.includes('input check "negative_counts" on engagement_daily.impressions'))).toBe(true);
    const s = await storeState(p.storeDir, p.outbox);
    expect(s.latestSound).toBe(true);
    expect(s.announced).toEqual([s.latest]);
  }, SLOW);

  it('4: an output gate (row count drift) stops the publish; LATEST stays', async () => {
    const p = place('exit4');
    const prev = await seed(p, '2026-11-19');
    const data = copyDataset(base, join(p.dir, 'data'));
    // two thirds of the targets vanish: not an input error, but the snapshot would shrink by > 50%
    await spoil(data, [`DELETE FROM campaign_targets WHERE hash(campaign_id, market, surface) % 3 <> 0`], ['campaign_targets']);
    const r = await runCli(runArgs(p, data), { cwd: root });
    expect(r.code).toBe(4);
    expect(String(errorLine(r).message)).toMatch(/output failed a gate \(nothing published\): row_count_drift: rows \d+ -> \d+/);
    const s = await storeState(p.storeDir, p.outbox);
    expect(s.latest).toBe(prev.version);
    expect(s.latestSound).toBe(true);
    expect(s.announced).toEqual([prev.version]);
  }, SLOW);

  it('5: an infrastructure failure (store path under a file) is safe to retry', async () => {
    const p = place('exit5');
    const blocker = join(root, 'exit5-blocker');
    writeFileSync(blocker, 'not a directory');
    const r = await runCli(['run', '--as-of', AS_OF, '--warehouse', `parquet:${base}`, '--store', storeUri(join(blocker, 'store')), '--notify', pathToFileURL(p.outbox).href, '--no-report', '--spec', spec], { cwd: root });
    expect(r.code).toBe(5);
    expect(String(errorLine(r).message)).toMatch(/ENOTDIR|not a directory/);
    const retry = await seed(p, AS_OF);
    expect(retry.status).toBe('published');
  }, SLOW);

  it('6: an as-of older than LATEST loses; LATEST never moves backwards', async () => {
    const p = place('exit6');
    const newer = await seed(p, AS_OF);
    const r = await runCli(runArgs(p, base, '2026-11-18'), { cwd: root });
    expect(summaryStatus(r)).toBeUndefined();
    expect(r.code).toBe(6);
    expect(String(errorLine(r).message)).toMatch(/2026-11-18|newer|older/);
    const s = await storeState(p.storeDir, p.outbox);
    expect(s.latest).toBe(newer.version);
    expect(s.latestSound).toBe(true);
  }, SLOW);
});

describe('four runs racing on one store', () => {
  it('same identity: exactly one publishes, the others exit 0 (already published) or 6 (lost); nothing damaged', async () => {
    const p = place('race');
    const runs = await Promise.all(Array.from({ length: 4 }, () => runCli(runArgs(p, base), { cwd: root })));
    const published = runs.filter((r) => r.code === 0 && summaryStatus(r) === 'published');
    const noop = runs.filter((r) => r.code === 0 && summaryStatus(r) === 'already-published');
    const lost = runs.filter((r) => r.code === 6);
    expect(published.length, runs.map((r) => `${r.code} ${summaryStatus(r)} ${r.stderr.slice(-300)}`).join('\n')).toBe(1);
    expect(published.length + noop.length + lost.length).toBe(4);
    for (const r of lost) expect(String(errorLine(r).message)).toMatch(/LATEST|won|race|newer/i);
    const s = await storeState(p.storeDir, p.outbox);
    expect(s.latestSound).toBe(true);
    expect(s.versions.filter((v) => v.complete).map((v) => v.version)).toEqual([s.latest]);
    expect(new Set(s.announced)).toEqual(new Set([s.latest]));
  }, SLOW);

  it('different as-ofs: LATEST ends on the newest as-of that succeeded, never older', async () => {
    const p = place('race-days');
    const days = ['2026-11-17', '2026-11-18', '2026-11-20'];
    // in one process (the cross-process race is the one above): the store's CAS decides, not the order
    const codes = await Promise.all(days.map((d) => seed(p, d).then(() => 0, (e: unknown) => exitCodeOf(e))));
    codes.forEach((c) => expect([0, 6]).toContain(c));
    const s = await storeState(p.storeDir, p.outbox);
    const won = days.filter((_, i) => codes[i] === 0);
    expect(won.length).toBeGreaterThan(0);
    const latest = s.versions.find((v) => v.version === s.latest)!;
    expect(latest.asOf).toBe(won[won.length - 1]);
    expect(s.latestSound).toBe(true);
  }, SLOW);
});
