import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerDoctor, type DoctorReport } from '../../src/cli/doctor.ts';
import { runCli } from '../support/cli.ts';
import { runInProcess } from '../support/in-process.ts';

let dir: string;
let aFile: string;
const doctor = (args: string[], env: Record<string, string | undefined> = {}) =>
  runInProcess([registerDoctor], ['doctor', ...args], { PROMOSCORE_LOG_FORMAT: 'json', PROMOSCORE_STORE: undefined, PROMOSCORE_NOTIFY: undefined, PROMOSCORE_WAREHOUSE: undefined, ...env });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'promoscore-doctor-'));
  aFile = join(dir, 'a-file');
  await writeFile(aFile, 'not a directory\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('promoscore doctor', () => {
  it('exit 0 on the embedded defaults, from a fresh directory; the probe leaves nothing behind', async () => {
    const cwd = join(dir, 'fresh');
    await import('node:fs/promises').then((fs) => fs.mkdir(cwd));
    const r = await runCli(['doctor', '--json'], { cwd, env: { PROMOSCORE_STORE: undefined, PROMOSCORE_NOTIFY: undefined, PROMOSCORE_WAREHOUSE: undefined } });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.check, c.ok, c.source])).toEqual([
      ['config', true, 'default'], ['warehouse', true, 'default'], ['store', true, 'default'], ['notifier', true, 'default'],
    ]);
    expect(readdirSync(join(cwd, '.promoscore', 'store'))).toEqual([]);
    expect(existsSync(join(cwd, '.promoscore', 'outbox.ndjson'))).toBe(false);
  });

  it('exit 2 on a broken URI, naming the flag or variable', async () => {
    const flag = await doctor(['--store', 'ftp://bucket/x', '--json']);
    expect(flag.code).toBe(2);
    expect(JSON.parse(flag.stdout).checks[0].detail).toMatch(/^--store: unsupported store URI/);
    const env = await doctor(['--json'], { PROMOSCORE_NOTIFY: 'pubsub://projects/p/topics' });
    expect(env.code).toBe(2);
    expect(JSON.parse(env.stdout).checks[0].detail).toMatch(/^PROMOSCORE_NOTIFY: not a Pub\/Sub topic path/);
    const job = await doctor(['--job', join(dir, 'missing.yaml')]);
    expect(job.code).toBe(2);
    expect(job.stderr).toMatch(/missing\.yaml: cannot read job file/);
  });

  it('exit 5 when the store or the notifier cannot be written, each named', async () => {
    const r = await doctor(['--store', `file://${aFile}/store`, '--notify', `file://${aFile}/sub/outbox.ndjson`, '--json']);
    expect(r.code).toBe(5);
    const report = JSON.parse(r.stdout) as DoctorReport;
    const byCheck = Object.fromEntries(report.checks.map((c) => [c.check, c]));
    expect(byCheck.store.ok).toBe(false);
    expect(byCheck.store.detail).toMatch(/ENOTDIR/);
    expect(byCheck.notifier.ok).toBe(false);
    expect(byCheck.notifier.detail).toMatch(/a-file is a file/);
    expect(byCheck.warehouse.ok).toBe(true);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ severity: 'ERROR', exit_code: 5 });
  });

  it('exit 2 when a local warehouse is missing (the run would refuse it the same way)', async () => {
    const r = await doctor(['--warehouse', `parquet:${join(dir, 'nowhere')}`, '--store', `file://${join(dir, 'store')}`, '--notify', `file://${join(dir, 'o.ndjson')}`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/FAIL\s+warehouse/);
  });
});
