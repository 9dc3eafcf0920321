import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.ts';
import { verifyVersion } from '../../src/snapshot/snapshot-reader.ts';
import { workspace } from './fixtures.ts';
import { announced, D, DATASET, latestIsSound, pub, V } from './helpers.ts';
import { release, runTs } from './spawn.ts';

const CHILD = 'test/snapshot/publish-child.ts';

describe('publish races between processes', () => {
  it('4 processes, 4 versions of one as-of: exactly one wins, the others exit 6, nothing damaged', async () => {
    const ws = await workspace();
    try {
      await pub(ws, { version: V(24), asOf: D(24), seed: 1 });
      const barrier = join(ws.dir, 'go');
      const versions = ['b', 'c', 'd', 'e'].map((h) => V(25, h));
      const runs = versions.map((version, i) =>
        runTs(CHILD, {
          PUBLISH_CHILD: JSON.stringify({ store: ws.store.root, outbox: ws.outboxFile, dataset: DATASET, version, asOf: D(25), seed: 30 + i, barrier }),
        }),
      );
      await release(barrier, runs.length);
      const results = await Promise.all(runs);
      const codes = results.map((r) => r.code);
      expect(codes.filter((c) => c === ExitCode.ok), JSON.stringify(results)).toHaveLength(1);
      expect(codes.filter((c) => c === ExitCode.race)).toHaveLength(3);
      const winner = versions[codes.indexOf(0)];
      expect(JSON.parse(results[codes.indexOf(0)].stdout)).toEqual({ status: 'published', version: winner });
      for (const r of results.filter((x) => x.code === ExitCode.race)) expect(JSON.parse(r.stdout).error).toBe('RaceLostError');
      expect(await latestIsSound(ws)).toBe(winner);
      expect(await announced(ws)).toEqual([V(24), winner]);
      for (const v of versions) {
        const check = await verifyVersion(ws.store, DATASET, v);
        // a loser stopped before its manifest or left a complete version for gc: never a damaged one
        if (!check.manifestError) expect(check.ok).toBe(true);
      }
    } finally {
      await ws.cleanup();
    }
  });

  it('4 processes of the same identity: one publishes, none fails otherwise, LATEST verifies', async () => {
    const ws = await workspace();
    try {
      const barrier = join(ws.dir, 'go');
      const runs = [0, 1, 2, 3].map(() =>
        runTs(CHILD, {
          PUBLISH_CHILD: JSON.stringify({ store: ws.store.root, outbox: ws.outboxFile, dataset: DATASET, version: V(25), asOf: D(25), seed: 7, barrier }),
        }),
      );
      await release(barrier, runs.length);
      const results = await Promise.all(runs);
      const outcomes = results.map((r) => (r.code === 0 ? JSON.parse(r.stdout).status : r.code));
      expect(outcomes.filter((o) => o === 'published'), JSON.stringify(results)).toHaveLength(1);
      for (const o of outcomes) expect(['published', 'already-published', ExitCode.race]).toContain(o);
      expect(await latestIsSound(ws)).toBe(V(25));
      expect(new Set(await announced(ws))).toEqual(new Set([V(25)]));
    } finally {
      await ws.cleanup();
    }
  });
});
