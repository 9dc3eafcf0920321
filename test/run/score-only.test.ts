import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, sha256Hex } from '../../src/core/hash.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { runJob } from '../../src/run/run-job.ts';
import { scoreOnly } from '../../src/run/score-only.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { readLatest, readManifest } from '../../src/snapshot/read.ts';
import { encodeShards } from '../../src/snapshot/write-shards.ts';
import { openStore } from '../../src/store/open.ts';
import { openWarehouse } from '../../src/warehouse/open.ts';
import type { Warehouse } from '../../src/warehouse/port.ts';
import { tempDir } from '../support/temp.ts';

/**
 * scoreOnly is the job's computation without its publish: on the same warehouse, as-of and spec,
 * and warm-started from what runJob warm-starts from, it yields exactly the rows runJob publishes.
 */
const { dir, cleanup } = tempDir('score-only');
const job = join(dir, 'job.yaml');
let warehouse: Warehouse;

beforeAll(async () => {
  await generateSample({ outDir: join(dir, 'sample'), scale: 0.02, seed: 7, asOf: '2026-11-21' });
  writeFileSync(job, 'name: score-only-test\ncadence: daily\nbuckets: 3\n');
  warehouse = await openWarehouse(`parquet:${join(dir, 'sample')}`);
}, 120_000);

afterAll(async () => {
  await warehouse?.close();
  cleanup();
});

describe('scoreOnly', () => {
  it('computes the rows runJob publishes, cold and warm-started', async () => {
    const storeUri = `file://${join(dir, 'store')}`;
    const store = await openStore(storeUri);
    let warm = null;
    for (const asOf of ['2026-11-19', '2026-11-20']) {
      await runJob({ job, asOf, store: storeUri, notify: `file://${join(dir, 'outbox.ndjson')}`, dataset: 'd', reportDir: null, warehouseHandle: warehouse }, silentLogger);
      const manifest = await readManifest(store, 'd', (await readLatest(store, 'd'))!.pointer.version);
      const out = await scoreOnly({ job, asOf, dataset: 'd', warehouse, warmStart: warm }, silentLogger);
      expect(out.buckets).toBe(manifest.buckets);
      expect(sha256Hex(canonicalJson(out.allocation))).toBe(sha256Hex(canonicalJson(manifest.allocation)));
      const shards = encodeShards(out.table, { buckets: out.buckets }).map((s) => [s.entry.path, s.entry.sha256]);
      expect(shards).toEqual(manifest.shards.map((s) => [s.path, s.sha256]));
      expect(out.gates.output.map((g) => g.check)).toContain('certificate_gap');
      expect(out.gates.output.map((g) => g.check)).not.toContain('row_count_drift');
      warm = manifest.allocation;
    }
    // a different warm start is a different computation (the solver is exact only to its gap): the test can tell
    const cold = await scoreOnly({ job, asOf: '2026-11-20', dataset: 'd', warehouse, warmStart: null }, silentLogger);
    const again = await scoreOnly({ job, asOf: '2026-11-20', dataset: 'd', warehouse, warmStart: warm }, silentLogger);
    expect(sha256Hex(canonicalJson(again.allocation))).not.toBe(sha256Hex(canonicalJson(cold.allocation)));
    await store.close?.();
  }, 240_000);

  it('stops at the input gates as runJob does (exit 3)', async () => {
    // a freshness window the sample cannot meet: the as-of is days after its last engagement
    await expect(scoreOnly({ job, asOf: '2026-12-30', dataset: 'd', warehouse }, silentLogger)).rejects.toThrow(/freshness/);
  }, 120_000);
});
