import { describe, expect, it } from 'vitest';
import { spawnNode } from '../support/cli.ts';
import { killAfterLine } from '../support/kill.ts';
import { makeTable, rng, workspace, type Workspace } from './fixtures.ts';
import { announced, D, latestIsSound, pub, V } from './helpers.ts';

const DAYS = [20, 21, 22, 23, 24, 25];

/** Starts a publishing child and SIGKILLs it `delayMs` after it is ready; resolves when it is gone. */
async function killAfter(ws: Workspace, delayMs: number): Promise<{ killed: boolean }> {
  const env = { KILL_CHILD: JSON.stringify({ store: ws.store.root, outbox: ws.outboxFile, days: DAYS }) };
  const r = await killAfterLine(spawnNode(['test/snapshot/kill-child.ts'], { env }), 'stdout', 'ready', delayMs);
  if (r.signal === 'SIGKILL') return { killed: true };
  if (r.code === 0) return { killed: false };
  throw new Error(`child failed with ${r.code}: ${r.stderr}`);
}

describe('kill -9 of a publishing process', () => {
  it('at seeded random moments: LATEST stays sound, a rerun converges, every version is announced', async () => {
    const r = rng(99);
    const rounds = 1;
    const parallel = 4;
    let killed = 0;
    for (let round = 0; round < rounds; round++) {
      const spaces = await Promise.all(Array.from({ length: parallel }, () => workspace()));
      try {
        const outcomes = await Promise.all(spaces.map((ws) => killAfter(ws, Math.floor(r() * 1200))));
        killed += outcomes.filter((o) => o.killed).length;
        for (const ws of spaces) {
          const during = await latestIsSound(ws);
          if (during !== null) expect(DAYS.map((d) => V(d))).toContain(during);
          for (const d of DAYS) {
            // the same table and buckets as the child: identical shards, so the rerun adopts what it wrote
            const res = await pub(ws, { version: V(d), asOf: D(d), table: makeTable(600, d), buckets: 8 });
            expect(['published', 'already-published']).toContain(res.status);
          }
          expect(await latestIsSound(ws)).toBe(V(DAYS[DAYS.length - 1]));
          const ann = new Set(await announced(ws));
          for (const d of DAYS) expect(ann.has(V(d)), `day ${d}`).toBe(true);
        }
      } finally {
        await Promise.all(spaces.map((ws) => ws.cleanup()));
      }
    }
    expect(killed).toBeGreaterThan(0);
  });
});
