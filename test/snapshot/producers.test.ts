import { Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { publishSnapshot, putShard } from '../../src/snapshot/publish.ts';
import { readVersionTable, verifyVersion } from '../../src/snapshot/snapshot-reader.ts';
import { encodeShards } from '../../src/snapshot/write-shards.ts';
import { makeTable, manifestFields, workspace } from './fixtures.ts';
import { D, DATASET, latestIsSound, V } from './helpers.ts';

describe('several producers', () => {
  it('two tasks write files for the same buckets; one manifest names them all', async () => {
    const ws = await workspace();
    try {
      const parts = [makeTable(300, 1), makeTable(200, 2)];
      const written = parts.map((t, task) => encodeShards(t, { buckets: 4, taskId: task }));
      for (const shards of written) for (const s of shards) expect(await putShard(ws.store, DATASET, V(25), s)).toBe(false);
      // a retried task attempt finds its identical files and accepts them
      expect(await putShard(ws.store, DATASET, V(25), written[1][0])).toBe(true);
      const entries = written.flat().map((s) => s.entry);
      const union = new Table(parts[0].schema, [...parts[0].batches, ...parts[1].batches]);
      const r = await publishSnapshot({
        store: ws.store, notifier: ws.notifier, dataset: DATASET, version: V(25), asOf: D(25), table: union, buckets: 4,
        manifest: manifestFields(), shards: entries,
      });
      expect(r.status).toBe('published');
      expect(r.manifest.shards.map((s) => s.path)).toEqual(entries.map((e) => e.path).sort());
      const perBucket = new Map<number, number>();
      for (const s of r.manifest.shards) perBucket.set(s.bucket, (perBucket.get(s.bucket) ?? 0) + 1);
      expect([...perBucket.values()].some((n) => n === 2)).toBe(true);
      expect(r.manifest.stats.rows).toBe(500);
      expect((await verifyVersion(ws.store, DATASET, V(25))).ok).toBe(true);
      const back = await readVersionTable(ws.store, DATASET, V(25), { buckets: [r.manifest.shards[0].bucket] });
      expect(back.table.numRows).toBe(r.manifest.shards.filter((s) => s.bucket === r.manifest.shards[0].bucket).reduce((a, s) => a + s.rows, 0));
      expect(await latestIsSound(ws)).toBe(V(25));
    } finally {
      await ws.cleanup();
    }
  });
});
