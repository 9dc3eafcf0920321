import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { backfill, backfillSteps, type JobRunner } from '../../src/cli/backfill.ts';
import { InputDataError, UsageError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { runJob, type RunOptions } from '../../src/run/run-job.ts';
import { useFaultSuite } from './helpers/dataset.ts';
import { storeState, storeUri } from './helpers/store-state.ts';

/**
 * Backfill over the real job: as-ofs in order, announced ones skipped, resumable after a crash,
 * stopped by the first failure with that failure's exit code.
 */
let root: string;
let base: string;
let spec: string;
useFaultSuite('backfill', (dirs) => ({ root, base, spec } = dirs), 0.01);

function place(name: string) {
  const storeDir = join(root, name, 'store');
  const outbox = join(root, name, 'outbox.ndjson');
  const opts: RunOptions = { warehouse: `parquet:${base}`, store: storeUri(storeDir), notify: pathToFileURL(outbox).href, spec, reportDir: null };
  return { storeDir, outbox, opts };
}

describe('backfill steps', () => {
  it('days and hours, inclusive, across a month and midnight', () => {
    expect(backfillSteps('2026-10-30', '2026-11-02').map((s) => s.text)).toEqual(['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02']);
    expect(backfillSteps('2026-11-25T22', '2026-11-26T01').map((s) => s.text)).toEqual(['2026-11-25T22', '2026-11-25T23', '2026-11-26T00', '2026-11-26T01']);
    expect(backfillSteps('2026-11-20', '2026-11-20')).toHaveLength(1);
  });
  it('refuses reversed, mixed and malformed ranges with exit 2', () => {
    expect(() => backfillSteps('2026-11-20', '2026-11-19')).toThrow(UsageError);
    expect(() => backfillSteps('2026-11-20', '2026-11-21T03')).toThrow(/both be dates/);
    expect(() => backfillSteps('2026-02-30', '2026-03-01')).toThrow(/--from/);
    expect(() => backfillSteps('2000-01-01', '2026-01-01')).toThrow(/more than 3660 steps/);
  });
});

describe('backfill over the job', () => {
  it('publishes every as-of in order, then a rerun skips them all', async () => {
    const p = place('all');
    const first = await backfill(p.opts, { from: '2026-11-17', to: '2026-11-20' }, silentLogger);
    expect(first.exitCode).toBe(0);
    expect(first.steps.map((s) => [s.asOf, s.status])).toEqual([
      ['2026-11-17', 'published'],
      ['2026-11-18', 'published'],
      ['2026-11-19', 'published'],
      ['2026-11-20', 'published'],
    ]);
    const s = await storeState(p.storeDir, p.outbox);
    expect(s.latest).toBe(first.steps[3].version);
    expect(s.latestSound).toBe(true);
    expect(s.announced).toEqual(first.steps.map((x) => x.version));
    const again = await backfill(p.opts, { from: '2026-11-17', to: '2026-11-20' }, silentLogger);
    expect(again.exitCode).toBe(0);
    expect(again.steps.map((x) => x.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(again.steps.map((x) => x.version)).toEqual(first.steps.map((x) => x.version));
    expect((await storeState(p.storeDir, p.outbox)).announced).toHaveLength(4);
  }, 180_000);

  it('stops at the first failure with its exit code, and resumes after it', async () => {
    const p = place('resume');
    const calls: string[] = [];
    // the as-of 2026-11-19 crashes right after its manifest is written (before LATEST moves)
    const crashing: JobRunner = (opts, log) => {
      if (!opts.dryRun) calls.push(opts.asOf!);
      const faults = opts.asOf === '2026-11-19' ? (step: string) => { if (step === 'manifest') throw new Error('crash injected after the manifest'); } : undefined;
      return runJob({ ...opts, faults }, log);
    };
    const r1 = await backfill(p.opts, { from: '2026-11-17', to: '2026-11-20' }, silentLogger, crashing);
    expect(r1.exitCode).toBe(5);
    expect(r1.steps.map((s) => s.status)).toEqual(['published', 'published', 'failed']);
    expect(r1.steps[2].error).toContain('crash injected after the manifest');
    expect(calls).toEqual(['2026-11-17', '2026-11-18', '2026-11-19']);
    const mid = await storeState(p.storeDir, p.outbox);
    expect(mid.latest).toBe(r1.steps[1].version);
    expect(mid.latestSound).toBe(true);

    const r2 = await backfill(p.opts, { from: '2026-11-17', to: '2026-11-20' }, silentLogger);
    expect(r2.exitCode).toBe(0);
    expect(r2.steps.map((s) => s.status)).toEqual(['skipped', 'skipped', 'published', 'published']);
    expect(r2.steps[2].version).toBe(r1.steps[2].version);
    const end = await storeState(p.storeDir, p.outbox);
    expect(end.latest).toBe(r2.steps[3].version);
    expect(end.announced).toEqual([...r1.steps.slice(0, 2), ...r2.steps.slice(2)].map((s) => s.version));
  }, 180_000);

  it('an input failure stops the backfill with exit 3 and runs nothing after it', async () => {
    const p = place('input');
    const runs: string[] = [];
    const failing: JobRunner = async (opts, log) => {
      if (opts.asOf === '2026-11-18' && !opts.dryRun) throw new InputDataError('input data failed validation (nothing published): injected');
      if (!opts.dryRun) runs.push(opts.asOf!);
      return runJob(opts, log);
    };
    const r = await backfill(p.opts, { from: '2026-11-17', to: '2026-11-19' }, silentLogger, failing);
    expect(r.exitCode).toBe(3);
    expect(r.steps.map((s) => [s.asOf, s.status, s.exitCode])).toEqual([
      ['2026-11-17', 'published', undefined],
      ['2026-11-18', 'failed', 3],
    ]);
    expect(runs).toEqual(['2026-11-17']);
  }, 180_000);

  it('as-ofs older than LATEST are published and announced behind it; LATEST stays', async () => {
    const p = place('behind');
    const newest = await runJob({ ...p.opts, asOf: '2026-11-20' }, silentLogger);
    const r = await backfill(p.opts, { from: '2026-11-17', to: '2026-11-19' }, silentLogger);
    expect(r.exitCode).toBe(0);
    expect(r.steps.map((s) => s.status)).toEqual(['published', 'published', 'published']);
    const s = await storeState(p.storeDir, p.outbox);
    expect(s.latest).toBe(newest.version);
    expect(s.latestSound).toBe(true);
    expect(s.announced).toEqual([newest.version, ...r.steps.map((x) => x.version)]);
    expect(s.versions.filter((v) => v.complete)).toHaveLength(4);
  }, 180_000);

  it('--dry-run plans without publishing', async () => {
    const p = place('dry');
    const r = await backfill(p.opts, { from: '2026-11-19', to: '2026-11-20', dryRun: true }, silentLogger);
    expect(r.exitCode).toBe(0);
    expect(r.steps.map((s) => s.status)).toEqual(['planned', 'planned']);
    expect(r.steps.every((s) => /^\d{8}-[0-9a-f]{12}$/.test(s.version))).toBe(true);
    expect((await storeState(p.storeDir, p.outbox)).latest).toBeNull();
  }, 180_000);
});
