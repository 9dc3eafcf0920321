import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logEntries, runCli } from '../support/cli.ts';

/**
 * What an operator met on a failed gate and on `plan`, reproduced through the real CLI on small
 * generated samples: a scale-0.05 run for one day, then three times the rows the next day (a
 * row-count drift the default gate refuses).
 */
let dir: string;
const NO_ENV = { PROMOSCORE_STORE: undefined, PROMOSCORE_WAREHOUSE: undefined, PROMOSCORE_NOTIFY: undefined, PROMOSCORE_JOB: undefined };
const cli = (args: string[]) => runCli(args, { cwd: dir, env: NO_ENV, timeoutMs: 170_000 });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'promoscore-operator-'));
  const first = await cli(['run', '--as-of', '2026-11-19', '--scale', '0.05']);
  expect(first.code, first.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a run that fails an output gate', () => {
  let stderr = '';
  let result: Record<string, any>;

  it('exits 4, prints its result with --json, and leaves a report naming the gate, the measured value and the previous version', async () => {
    const r = await cli(['run', '--as-of', '2026-11-20', '--scale', '0.15', '--json']);
    expect(r.code, r.stderr).toBe(4);
    stderr = r.stderr;
    result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ status: 'failed', exit_code: 4, as_of: '2026-11-20', dataset: 'promo_scores' });
    expect(result.version).toMatch(/^20261120-/);
    const drift = result.gates.output.find((g: any) => g.check === 'row_count_drift');
    expect(drift).toMatchObject({ status: 'fail', setting: 'quality.output.max_row_change', threshold: 0.5 });
    expect(drift.measured).toBeGreaterThan(1.5);
    expect(result.previous_version).toMatch(/^20261119-/);
    expect(result.stages.map((s: any) => s.stage)).toEqual(expect.arrayContaining(['extract', 'score', 'gate']));

    // the report and the result file exist, and the last log line names the report
    const report = result.paths.report as string;
    expect(existsSync(join(dir, report)) || existsSync(report)).toBe(true);
    const html = await readFile(existsSync(report) ? report : join(dir, report), 'utf8');
    expect(html).toContain('row_count_drift');
    expect(html).toContain('failed');
    expect(html).toContain(result.previous_version);
    expect(html).toMatch(/quality\.output\.max_row_change/);
    expect(html).not.toMatch(/<script/i);
    const saved = JSON.parse(await readFile(existsSync(result.paths.result) ? result.paths.result : join(dir, result.paths.result), 'utf8'));
    expect(saved.status).toBe('failed');
    const last = logEntries(r.stderr).at(-1)!;
    expect(String(last.message)).toContain(report);
    expect(existsSync(join(dir, '.promoscore', 'reports', 'index.html'))).toBe(true);
  }, 180_000);

  it('names the setting to rerun with; --force alone still fails the gate, the named --set publishes', async () => {
    const message = String(logEntries(stderr).at(-1)!.message);
    const sets = [...message.matchAll(/--set (quality\.output\.[a-z_]+=[0-9.]+)/g)].map((x) => x[1]);
    expect(sets.some((x) => x.startsWith('quality.output.max_row_change=')), message).toBe(true);
    expect(message).toMatch(/rerun with --set quality\.output\.max_row_change=/);

    const forced = await cli(['run', '--as-of', '2026-11-20', '--scale', '0.15', '--force']);
    expect(forced.code, forced.stderr).toBe(4);

    const through = await cli(['run', '--as-of', '2026-11-20', '--scale', '0.15', ...sets.flatMap((x) => ['--set', x]), '--json']);
    expect(through.code, through.stderr).toBe(0);
    expect(JSON.parse(through.stdout)).toMatchObject({ status: 'published', exit_code: 0 });
  }, 180_000);

  it('refuses a --set that names no setting, at exit 2', async () => {
    const r = await cli(['plan', '--as-of', '2026-11-20', '--scale', '0.15', '--set', 'quality.output.max_rows_change=3']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('max_rows_change');
  }, 60_000);
});

describe('plan answers what run would do', () => {
  let planDir: string;
  const inPlanDir = (args: string[]) => runCli(args, { cwd: planDir, env: NO_ENV, timeoutMs: 170_000 });
  beforeAll(async () => {
    planDir = await mkdtemp(join(tmpdir(), 'promoscore-plan-'));
    for (const asOf of ['2026-11-19', '2026-11-20']) {
      const r = await inPlanDir(['run', '--as-of', asOf, '--scale', '0.05']);
      expect(r.code, r.stderr).toBe(0);
    }
  }, 180_000);
  afterAll(async () => {
    await rm(planDir, { recursive: true, force: true });
  });

  it('says already published for a version that run treats as a no-op, and run does not extract it again', async () => {
    // 2026-11-19 is published and announced, and LATEST has moved on to 2026-11-20
    const plan = await inPlanDir(['plan', '--as-of', '2026-11-19', '--scale', '0.05', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).already_published).toBe(true);

    const run = await inPlanDir(['run', '--as-of', '2026-11-19', '--scale', '0.05', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r.status).toBe('already-published');
    expect(r.stages.map((s: any) => s.stage)).not.toContain('extract');
  }, 120_000);

  it('says which gate would fail, from the count query', async () => {
    const plan = await inPlanDir(['plan', '--as-of', '2026-11-21', '--scale', '0.15', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const p = JSON.parse(plan.stdout);
    expect(p.already_published).toBe(false);
    expect(p.gates.find((g: any) => g.check === 'row_count_drift')).toMatchObject({ status: 'fail', setting: 'quality.output.max_row_change' });
  }, 120_000);
});
