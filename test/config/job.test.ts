import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../src/core/errors.ts';
import { defaultJob, JOB_DEFAULTS, loadJob, parseJob, withEnvironment } from '../../src/config/job.ts';

const dir = mkdtempSync(join(tmpdir(), 'promoscore-job-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(ext: string, text: string): string {
  const p = join(dir, `job${n++}${ext}`);
  writeFileSync(p, text);
  return p;
}

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('the repository job files', () => {
  const files = readdirSync('jobs').filter((f) => /\.(ya?ml|json)$/.test(f));

  it('include nightly, hourly and backfill', () => {
    expect(files.sort()).toEqual(expect.arrayContaining(['backfill.yaml', 'hourly.yaml', 'nightly.yaml']));
  });

  it.each(files)('%s validates and is named after its file', (f) => {
    const job = loadJob(join('jobs', f));
    expect(job.name).toBe(basename(f).replace(/\.(ya?ml|json)$/, ''));
    expect(job.resources.parallelism).toBeLessThanOrEqual(job.tasks);
  });

  it('schedules nightly daily and hourly hourly; backfill is never scheduled', () => {
    expect(loadJob('jobs/nightly.yaml')).toMatchObject({ cadence: 'daily', schedule: expect.any(String) });
    expect(loadJob('jobs/hourly.yaml')).toMatchObject({ cadence: 'hourly', schedule: expect.any(String) });
    expect(loadJob('jobs/backfill.yaml').schedule).toBeUndefined();
  });
});

describe('loadJob', () => {
  it('reads YAML and JSON and fills defaults', () => {
    const y = loadJob(write('.yaml', 'name: small\ncadence: hourly\nschedule: "5 * * * *"\n'));
    const j = loadJob(write('.json', JSON.stringify({ name: 'small', cadence: 'hourly', schedule: '5 * * * *' })));
    expect(y).toEqual(j);
    expect(y).toMatchObject({
      dataset: JOB_DEFAULTS.dataset,
      time_zone: 'Etc/UTC',
      buckets: 16,
      tasks: 1,
      args: [],
      quality: {},
      store: 'file://.promoscore/store',
      notify: 'file://.promoscore/outbox.ndjson',
      bigquery: { scratch_dataset: 'promoscore_scratch', labels: {} },
      resources: { cpu: '2', memory: '4Gi', timeout: '3600s', retries: 1, parallelism: 0 },
    });
    expect(y.warehouse).toBeUndefined();
  });

  it('names the file and the field path of every problem', () => {
    const p = write('.yaml', 'name: nightly\ncadence: daily\nbuckets: many\nbigquery:\n  maximum_bytes_billed: "1TB"\nresources:\n  memory: 4GB\n');
    const msg = usageMessage(() => loadJob(p));
    expect(msg).toContain(`${p}: buckets: expected number`);
    expect(msg).toContain(`${p}: bigquery.maximum_bytes_billed: expected number`);
    expect(msg).toMatch(new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: resources.memory: a memory size`));
  });

  it('rejects unknown fields (typos) and bad enums', () => {
    const msg = usageMessage(() => loadJob(write('.yaml', 'name: a1\ncadence: weekly\nschedul: "0 1 * * *"\n')));
    expect(msg).toMatch(/cadence: expected one of "daily", "hourly"/);
    expect(msg).toMatch(/unknown field "schedul"/);
  });

  it('checks URIs with the CLI parsers', () => {
    const msg = usageMessage(() => loadJob(write('.yaml', 'name: a1\ncadence: daily\nwarehouse: mysql://h/db\nnotify: file://x.json\n')));
    expect(msg).toMatch(/: warehouse: unsupported warehouse URI in "mysql:\/\/h\/db"/);
    expect(msg).toMatch(/: notify: a local outbox must be a \.ndjson file/);
    const ok = loadJob(write('.yaml', 'name: a1\ncadence: daily\nwarehouse: bigquery://my-project/features\nstore: gs://bkt-1/p\nnotify: pubsub://projects/my-project/topics/snap\n'));
    expect(ok.warehouse).toBe('bigquery://my-project/features');
  });

  it('checks schedules against the cadence and time zones', () => {
    expect(usageMessage(() => parseJob({ name: 'a1', cadence: 'hourly', schedule: '0 4 * * *' }, 'x.yaml'))).toMatch(/^x\.yaml: schedule: an hourly job needs/);
    expect(usageMessage(() => parseJob({ name: 'a1', cadence: 'daily', schedule: '0 * * * *' }, 'x.yaml'))).toMatch(/^x\.yaml: schedule: a daily job needs/);
    expect(usageMessage(() => parseJob({ name: 'a1', cadence: 'daily', schedule: '0 4 * *' }, 'x.yaml'))).toMatch(/5 fields/);
    expect(usageMessage(() => parseJob({ name: 'a1', cadence: 'daily', time_zone: 'Mars/Olympus' }, 'x.yaml'))).toMatch(/^x\.yaml: time_zone: expected an IANA time zone/);
    expect(parseJob({ name: 'a1', cadence: 'daily', time_zone: 'Europe/Stockholm', schedule: '30 4 * * 1-5' }, 'x').time_zone).toBe('Europe/Stockholm');
  });

  it('reports array indexes, labels and cross-field rules', () => {
    expect(usageMessage(() => parseJob({ name: 'a1', cadence: 'daily', args: ['--x', 3] }, 'x.yaml'))).toBe('x.yaml: args[1]: expected string');
    expect(usageMessage(() => parseJob({ name: 'a1', cadence: 'daily', bigquery: { labels: { Team: 'x' } } }, 'x.yaml'))).toMatch(/bigquery\.labels\.Team: label keys/);
    expect(usageMessage(() => parseJob({ name: 'a1', cadence: 'daily', tasks: 2, resources: { parallelism: 3 } }, 'x.yaml'))).toBe('x.yaml: resources.parallelism: at most tasks (2)');
    expect(usageMessage(() => parseJob({ name: 'A', cadence: 'daily' }, 'x.yaml'))).toMatch(/^x\.yaml: name: lowercase/);
  });

  it('validates quality with a schema given by its owner, under quality.', () => {
    const qualitySchema = z.strictObject({ drift: z.strictObject({ max_row_change: z.number() }).optional() });
    const p = write('.yaml', 'name: a1\ncadence: daily\nquality:\n  drift:\n    max_row_change: lots\n');
    expect(loadJob(p).quality).toEqual({ drift: { max_row_change: 'lots' } });
    expect(usageMessage(() => loadJob(p, { qualitySchema }))).toBe(`${p}: quality.drift.max_row_change: expected number`);
  });

  it('fails clearly on unreadable, malformed or unsupported files', () => {
    expect(usageMessage(() => loadJob(join(dir, 'missing.yaml')))).toMatch(/missing\.yaml: cannot read job file \(ENOENT\)/);
    expect(usageMessage(() => loadJob(write('.yaml', 'name: [a\n')))).toMatch(/: invalid YAML/);
    expect(usageMessage(() => loadJob(write('.yaml', 'name: a\nname: b\n')))).toMatch(/: invalid YAML/);
    expect(usageMessage(() => loadJob(write('.json', '{"name":')))).toMatch(/: invalid JSON/);
    expect(usageMessage(() => loadJob(write('.toml', 'name = "a"')))).toMatch(/unsupported job file type "\.toml"/);
    expect(usageMessage(() => loadJob(write('.yaml', '- a\n- b\n')))).toMatch(/expected a mapping of job fields/);
  });
});

describe('defaults and environment', () => {
  it('defaultJob needs no cloud account', () => {
    const job = defaultJob();
    expect(job.warehouse).toBeUndefined();
    expect(job.store.startsWith('file://')).toBe(true);
    expect(job.notify.startsWith('file://')).toBe(true);
    expect(job.cadence).toBe('daily');
  });

  it('withEnvironment overlays PROMOSCORE_* without touching the input', () => {
    const job = defaultJob();
    const env = {
      PROMOSCORE_WAREHOUSE: 'bigquery://my-project/features',
      PROMOSCORE_STORE: 'gs://bkt-1/snapshots',
      PROMOSCORE_NOTIFY: 'pubsub://projects/my-project/topics/snap',
      PROMOSCORE_BQ_SCRATCH_DATASET: 'scratch_eu',
      PROMOSCORE_BQ_LOCATION: 'EU',
    };
    const out = withEnvironment(job, env);
    expect(out).toMatchObject({
      warehouse: env.PROMOSCORE_WAREHOUSE,
      store: env.PROMOSCORE_STORE,
      notify: env.PROMOSCORE_NOTIFY,
      bigquery: { scratch_dataset: 'scratch_eu', location: 'EU' },
    });
    expect(job).toEqual(defaultJob());
    expect(withEnvironment(job, { PROMOSCORE_STORE: '' })).toEqual(job);
    expect(usageMessage(() => withEnvironment(job, { PROMOSCORE_STORE: 's3://x' }))).toMatch(/^PROMOSCORE_STORE: unsupported store URI/);
    expect(usageMessage(() => withEnvironment(job, { PROMOSCORE_BQ_SCRATCH_DATASET: 'a-b' }))).toMatch(/^PROMOSCORE_BQ_SCRATCH_DATASET/);
  });
});
