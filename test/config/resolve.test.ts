import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.ts';

describe('resolveConfig: flag > PROMOSCORE_* > job file > default', () => {
  let dir: string;
  let job: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'promoscore-resolve-'));
    job = join(dir, 'job.yaml');
    await writeFile(
      job,
      'name: nightly\ncadence: daily\ndataset: from_job\nwarehouse: parquet:/job/wh\nstore: file:///job/store\nnotify: file:///job/outbox.ndjson\n',
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const env = { PROMOSCORE_WAREHOUSE: 'parquet:/env/wh', PROMOSCORE_STORE: 'file:///env/store', PROMOSCORE_NOTIFY: 'file:///env/outbox.ndjson' };

  it('defaults when nothing is given', () => {
    const c = resolveConfig({}, {});
    expect(c.store).toMatch(/\.promoscore\/store$/);
    expect(c.notify).toMatch(/\.promoscore\/outbox\.ndjson$/);
    expect(c.warehouse).toBeUndefined();
    expect(c.dataset).toBe('promo_scores');
    expect(c.sources).toEqual({ warehouse: 'default', store: 'default', notify: 'default', dataset: 'default' });
  });

  it('the job file over the defaults', () => {
    const c = resolveConfig({ job }, {});
    expect([c.warehouse, c.store, c.notify, c.dataset]).toEqual(['parquet:/job/wh', 'file:///job/store', 'file:///job/outbox.ndjson', 'from_job']);
    expect(c.sources).toEqual({ warehouse: 'job', store: 'job', notify: 'job', dataset: 'job' });
  });

  it('the environment over the job file', () => {
    const c = resolveConfig({ job }, env);
    expect([c.warehouse, c.store, c.notify]).toEqual(['parquet:/env/wh', 'file:///env/store', 'file:///env/outbox.ndjson']);
    expect(c.sources.store).toBe('env');
    expect(c.dataset).toBe('from_job');
  });

  it('flags over everything', () => {
    const c = resolveConfig({ job, warehouse: 'duckdb:/f.duckdb', store: 'file:///flag/store', notify: 'file:///flag/o.ndjson', dataset: 'd' }, env);
    expect([c.warehouse, c.store, c.notify, c.dataset]).toEqual(['duckdb:/f.duckdb', 'file:///flag/store', 'file:///flag/o.ndjson', 'd']);
    expect(c.sources).toEqual({ warehouse: 'flag', store: 'flag', notify: 'flag', dataset: 'flag' });
  });

  it('a bad value is a usage error naming where it came from', () => {
    expect(() => resolveConfig({ store: 'ftp://x' }, {})).toThrow(/^--store: unsupported store URI/);
    expect(() => resolveConfig({}, { PROMOSCORE_STORE: 'ftp://x' })).toThrow(/^PROMOSCORE_STORE: unsupported store URI/);
    expect(() => resolveConfig({ job: join(dir, 'missing.yaml') }, {})).toThrow(/missing\.yaml: cannot read job file/);
  });
});
