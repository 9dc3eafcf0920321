import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSample } from '../../src/sample/generate.ts';
import { openWarehouse } from '../../src/warehouse/open.ts';
import type { Warehouse } from '../../src/warehouse/port.ts';
import { runJob, type RunOptions } from '../../src/run/run-job.ts';
import { resultOf } from '../../src/run/journal.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { OutputGateError } from '../../src/core/errors.ts';

/**
 * Each thing once per run: the schema gate's queries run once (not again inside the input gates);
 * a sharded task's output-gate results reach the manifest; drift is gated for sharded runs by the same
 * gate as for unsharded ones (the commit used to record a failed drift check and publish anyway).
 */
let root: string;
let small: string;
let big: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promoscore-once-'));
  small = join(root, 'small');
  big = join(root, 'big');
  await generateSample({ outDir: small, scale: 0.05, seed: 3, asOf: '2026-11-19' });
  await generateSample({ outDir: big, scale: 0.15, seed: 3, asOf: '2026-11-20' });
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const base = (store: string): RunOptions => ({ store: `file://${store}`, notify: `file://${store}.ndjson`, reportDir: null });

/** The warehouse, recording the name of every query it runs. */
function recording(w: Warehouse, names: string[]): Warehouse {
  return { uri: w.uri, query: (r) => (names.push(r.name), w.query(r)), dryRun: (r) => w.dryRun(r), describeInputs: () => w.describeInputs(), close: () => w.close() };
}

describe('one run does each thing once', () => {
  it('runs the schema gate once', async () => {
    const names: string[] = [];
    const w = await openWarehouse(`parquet:${small}`);
    try {
      const r = await runJob({ ...base(join(root, 'store-schema')), asOf: '2026-11-19', warehouseHandle: recording(w, names) }, silentLogger);
      expect(r.status).toBe('published');
    } finally {
      await w.close();
    }
    const schema = names.filter((n) => n.startsWith('check_schema_') || n === 'check_key_lengths');
    expect(schema.length).toBeGreaterThanOrEqual(8);
    expect(schema.length).toBe(new Set(schema).size);
    expect(names.filter((n) => n === 'candidates')).toHaveLength(1);
  }, 120_000);

  it("keeps a sharded task's output-gate results, and gates drift at the commit like an unsharded run", async () => {
    const store = join(root, 'store-sharded');
    const task = (dir: string, asOf: string, index: number) =>
      runJob({ ...base(store), warehouse: `parquet:${dir}`, asOf, shard: { index, count: 2 } }, silentLogger);
    expect((await task(small, '2026-11-19', 0)).status).toBe('task-written');
    const first = await task(small, '2026-11-19', 1);
    expect(first.status).toBe('published');
    const manifest = JSON.parse(await readFile(join(store, 'promo_scores', 'versions', first.version, 'manifest.json'), 'utf8'));
    const output = manifest.quality.output as { check: string; detail?: string }[];
    for (const t of [0, 1]) expect(output.some((q) => q.check === 'unique_keys' && q.detail?.startsWith(`task ${t}`))).toBe(true);
    expect(output.some((q) => q.check === 'row_count_drift' || q.check === 'drift')).toBe(true);

    // three times the rows the next day: the commit refuses it, naming the way through
    expect((await task(big, '2026-11-20', 0)).status).toBe('task-written');
    const err = await task(big, '2026-11-20', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputGateError);
    expect((err as Error).message).toMatch(/row_count_drift.*--set quality\.output\.max_row_change=/);
    expect(resultOf(err)).toMatchObject({ status: 'failed', exitCode: 4 });
    const latest = JSON.parse(await readFile(join(store, 'promo_scores', 'LATEST'), 'utf8'));
    expect(latest.version).toBe(first.version);
  }, 240_000);
});
