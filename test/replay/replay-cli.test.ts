/**
 * `promoscore replay` end to end on a small warehouse: the sample as Parquet, one snapshot published
 * by the job for the horizon's first day (so that day has logged propensities and the next has
 * none), then the command itself: its JSON shape, the same bytes for the same seed, and its errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { register } from '../../src/cli/replay.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { runJob } from '../../src/run/run-job.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { runInProcess } from '../support/in-process.ts';
import { logEntries, runCli } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

const AS_OF = '2026-01-11';
let dir: string;
let cleanup: () => void;
let base: string[];

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('replay'));
  await generateSample({ outDir: join(dir, 'sample'), scale: 0.02, seed: 'r', asOf: '2026-01-15' });
  base = ['replay', '--warehouse', `parquet:${join(dir, 'sample')}`, '--store', `file://${join(dir, 'store')}`, '--log-format', 'json'];
  await runJob(
    { asOf: AS_OF, warehouse: `parquet:${join(dir, 'sample')}`, store: `file://${join(dir, 'store')}`, notify: `file://${join(dir, 'outbox.ndjson')}`, reportDir: null },
    silentLogger,
  );
}, 120_000);
afterAll(() => cleanup?.());

const messages = (stderr: string) => logEntries(stderr).map((e) => e.message).join('\n');
const replay = (args: string[]) => runInProcess([register], [...base, ...args]);

describe('promoscore replay', () => {
  it('prints the documented JSON, the same bytes for the same seed', async () => {
    const args = ['--as-of', AS_OF, '--horizon', '2', '--replicates', '50', '--seed', '5', '--json'];
    const a = await replay(args);
    expect(a.code, a.stderr).toBe(0);
    const b = await replay(args);
    expect(b.stdout).toBe(a.stdout);
    const r = JSON.parse(a.stdout);
    expect(Object.keys(r)).toEqual(['quantity', 'warehouse', 'store', 'dataset', 'spec', 'horizon_days', 'bootstrap', 'as_ofs', 'total']);
    expect(r.quantity).toBe('incremental_saves');
    expect(r.bootstrap).toMatchObject({ replicates: 50, seed: 5 });
    expect(r.bootstrap.blocks).toBeGreaterThan(0);
    const estimateKeys = ['estimate', 'ci_low', 'ci_high', 'method_mix', 'coverage', 'n', 'n_snips', 'n_matched', 'planned'];
    expect(Object.keys(r.total)).toEqual(estimateKeys);
    expect(r.as_ofs).toHaveLength(1);
    const h = r.as_ofs[0];
    expect(Object.keys(h)).toEqual(['as_of', ...estimateKeys, 'logged_days']);
    expect(Object.keys(h.method_mix)).toEqual(['snips', 'direct']);
    expect(h.as_of).toBe(AS_OF);
    // the job published a snapshot for the first day only: that day is SNIPS, the second the direct method
    expect(h.logged_days).toBe(1);
    expect(h.method_mix.snips).toBeGreaterThan(0);
    expect(h.method_mix.direct).toBeGreaterThan(0);
    expect(h.method_mix.snips + h.method_mix.direct).toBeCloseTo(1, 6);
    expect(h.coverage).toBeGreaterThanOrEqual(0);
    expect(h.coverage).toBeLessThanOrEqual(1);
    expect(h.n).toBeGreaterThan(0);
    expect(h.ci_low).toBeLessThanOrEqual(h.estimate);
    expect(h.ci_high).toBeGreaterThanOrEqual(h.estimate);
    expect(r.total.estimate).toBe(h.estimate);
  });

  it('prints a table on a terminal; on the as-of day itself the replayed allocation is the published one', async () => {
    const t = await replay(['--as-of', AS_OF, '--horizon', '1', '--replicates', '20']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/as-of\s+estimate\s+95% interval\s+snips\s+direct\s+coverage/);
    expect(t.stdout).toMatch(/\ntotal /);
    // the job's own path (same features, spec, seed): every boosted key-day has support in that
    // day's snapshot, so SNIPS values all of it; only holdout draws fail to match
    expect(t.stdout).toMatch(new RegExp(`\\n${AS_OF}\\s+\\S+\\s+\\[[^\\]]*\\]\\s+1\\.000\\s+0\\.000\\s`));
  });

  it('names the flag of a bad value (exit 2) and the table of missing data (exit 3)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /--as-of: at least one date/],
      [['--as-of', '2026-13-01'], /--as-of: "2026-13-01" is not a calendar date/],
      [['--as-of', '2026-01-11T05'], /--as-of: "2026-01-11T05" is an hour/],
      [['--as-of', AS_OF, '--horizon', '0'], /--horizon: expected an integer from 1 to 90/],
      [['--as-of', AS_OF, '--replicates', 'many'], /--replicates: expected an integer/],
      [['--as-of', AS_OF, '--seed', '-1'], /--seed: expected an integer/],
      [['--as-of', AS_OF, '--log-format', 'xml'], /--log-format: "xml" must be json or text/],
      [['--as-of', AS_OF, '--warehouse', 'mysql://x'], /--warehouse/],
    ];
    for (const [args, message] of cases) {
      const out = await replay(args);
      expect(out.code, args.join(' ')).toBe(2);
      expect(messages(out.stderr)).toMatch(message);
      expect(out.stdout).toBe('');
    }
    const none = await runInProcess([register], ['replay', '--as-of', AS_OF], { PROMOSCORE_WAREHOUSE: undefined });
    expect(none.code).toBe(2);
    expect(messages(none.stderr)).toMatch(/--warehouse: replay needs a warehouse with engagement history/);
    // the sample's engagement ends the day before 2026-01-15
    const late = await replay(['--as-of', '2026-01-15', '--horizon', '3', '--json']);
    expect(late.code).toBe(3);
    expect(messages(late.stderr)).toMatch(/engagement_daily: no rows from 2026-01-15 to 2026-01-17/);
    expect(late.stdout).toBe('');
  });

  it('runs as a real process, registered lazily like every command', async () => {
    const out = await runCli(['replay', '--as-of', AS_OF, '--horizon', 'x']);
    expect(out.code).toBe(2);
    expect(messages(out.stderr)).toMatch(/--horizon: expected an integer/);
  });
});
