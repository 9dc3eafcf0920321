import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOutbox } from '../support/outbox.ts';
import { ScoreCache } from '../../src/serving/loader.ts';
import { readVersionTable } from '../../src/snapshot/snapshot-reader.ts';
import { LocalStore } from '../../src/store/local/store.ts';
import { runCli } from '../support/cli.ts';

const AS_OF = '2026-11-20';
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promoscore-serving-run-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('serving a snapshot produced by `promoscore run`', () => {
  it('answers every key exactly as the published rows say, and dedupes the run notification', async () => {
    const sample = join(root, 'sample');
    const g = await runCli(['sample-data', '--out', sample, '--scale', '0.05', '--seed', '11', '--as-of', AS_OF]);
    expect(g.code, g.stderr).toBe(0);
    const storeDir = join(root, 'store');
    const outbox = join(root, 'outbox.ndjson');
    const r = await runCli(['run', '--warehouse', `parquet:${sample}`, '--store', `file://${storeDir}`, '--notify', `file://${outbox}`, '--as-of', AS_OF, '--no-report']);
    expect(r.code, r.stderr).toBe(0);

    const store = new LocalStore(storeDir);
    const [note] = await readOutbox(outbox);
    expect(note.attributes.event).toBe('published');
    const dataset = note.attributes.dataset;
    const cache = new ScoreCache({ store, dataset });
    expect((await cache.handleNotification(note.attributes)).status).toBe('loaded');
    expect((await cache.handleNotification(note.attributes)).status).toBe('duplicate');
    expect((await cache.loadLatest()).status).toBe('duplicate');

    // the expected answers, from the project's own verified reader
    const { table } = await readVersionTable(store, dataset, note.attributes.version);
    expect(table.numRows).toBeGreaterThan(0);
    const byKey = new Map<string, Record<string, unknown>[]>();
    const cols = ['campaign_id', 'licensor_id', 'score', 'boost', 'share', 'upper', 'value', 'headroom', 'skip_upper', 'reason', 'propensity'];
    for (let i = 0; i < table.numRows; i++) {
      const get = (c: string) => table.getChild(c)!.get(i);
      const k = `${get('track_id')}\u0000${get('market')}\u0000${get('surface')}`;
      if (!byKey.has(k)) byKey.set(k, []);
      byKey.get(k)!.push(Object.fromEntries(cols.map((c) => [c, get(c)])));
    }
    expect(cache.current!.index.rows).toBe(table.numRows);
    expect(cache.current!.index.keys).toBe(byKey.size);
    for (const [k, rows] of byKey) {
      const [t, m, s] = k.split('\u0000');
      const got = cache.lookup(t, m, s)!;
      expect(got.version).toBe(note.attributes.version);
      // same rows; the served order is best first
      expect([...got.rows!].sort((a, b) => (a.campaign_id < b.campaign_id ? -1 : 1))).toEqual(
        [...rows].sort((a, b) => ((a.campaign_id as string) < (b.campaign_id as string) ? -1 : 1)),
      );
      for (let j = 1; j < got.rows!.length; j++) expect(got.rows![j - 1].boost).toBeGreaterThanOrEqual(got.rows![j].boost);
    }
    expect(cache.lookup('no-such-track', 'SE', 'radio')!.rows).toBeNull();
  });
});
