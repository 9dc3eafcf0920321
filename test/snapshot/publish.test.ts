import { describe, expect, it } from 'vitest';
import { ExitCode, InfraError, OutputGateError, RaceLostError } from '../../src/core/errors.ts';
import { sha256Hex } from '../../src/core/hash.ts';
import type { NotificationAttributes, Notifier } from '../../src/notify/port.ts';
import { paths } from '../../src/snapshot/contract.ts';
import { markers } from '../../src/snapshot/markers.ts';
import { finishPublished, isForcedVersion, publishSnapshot } from '../../src/snapshot/publish.ts';
import { readLatest } from '../../src/snapshot/read.ts';
import { rollback } from '../../src/snapshot/rollback.ts';
import { readVersionTable, verifyVersion } from '../../src/snapshot/snapshot-reader.ts';
import { versionId } from '../../src/snapshot/version.ts';
import { makeTable, manifestFields, rng, workspace, type Workspace } from './fixtures.ts';
import { announced, Crash, crashAt, D, DATASET, latestIsSound, pub, V } from './helpers.ts';

async function withWs(fn: (ws: Workspace) => Promise<void>): Promise<void> {
  const ws = await workspace();
  try {
    await fn(ws);
  } finally {
    await ws.cleanup();
  }
}

/** Every step name the protocol reports, in order, for a first publish over an existing LATEST. */
async function recordSteps(): Promise<string[]> {
  const steps: string[] = [];
  await withWs(async (ws) => {
    await pub(ws, { version: V(24), asOf: D(24), seed: 1 });
    await pub(ws, { version: V(25), asOf: D(25), seed: 2, faults: (s) => void steps.push(s) });
  });
  return steps;
}

describe('publishSnapshot', () => {
  it('publishes: shards, manifest, LATEST, one notification; a rerun is a no-op', async () => {
    await withWs(async (ws) => {
      const table = makeTable(240, 1);
      const r = await pub(ws, { version: V(25), asOf: D(25), table });
      expect(r.status).toBe('published');
      expect(r.notified).toBe(true);
      expect(await latestIsSound(ws)).toBe(V(25));
      // LATEST names the manifest and the digest of its bytes
      const manifestBytes = (await ws.store.read(paths.manifest(DATASET, V(25))))!.data;
      expect((await readLatest(ws.store, DATASET))!.pointer).toEqual({
        version: V(25),
        manifest: paths.manifestRel(V(25)),
        manifest_sha256: sha256Hex(manifestBytes),
      });
      const back = await readVersionTable(ws.store, DATASET, V(25));
      expect(back.table.numRows).toBe(240);
      expect(back.manifest.stats.rows).toBe(240);
      expect([...(back.table.getChild('row')!.toArray() as Int32Array)].sort((a, b) => a - b)).toEqual([...Array(240).keys()]);
      const msgs = await ws.outbox();
      expect(msgs).toHaveLength(1);
      expect(msgs[0].attributes).toEqual({
        dataset: DATASET, version: V(25), manifest_uri: ws.store.uriOf(paths.manifest(DATASET, V(25))), as_of: D(25), rows: '240', event: 'published',
      });
      const again = await pub(ws, { version: V(25), asOf: D(25), table });
      expect(again.status).toBe('already-published');
      expect(again.notified).toBe(false);
      expect(await ws.outbox()).toHaveLength(1);
    });
  });

  it('survives a crash at every step: LATEST stays sound, the rerun converges, every version is announced', async () => {
    const steps = await recordSteps();
    expect(steps.filter((s) => s.startsWith('shard:')).length).toBeGreaterThan(1);
    for (const s of ['manifest', 'verified', 'before-swap', 'after-swap', 'read-back', 'before-notify', 'after-notify', 'notified']) {
      expect(steps).toContain(s);
    }
    for (const step of steps) {
      await withWs(async (ws) => {
        await pub(ws, { version: V(24), asOf: D(24), seed: 1 });
        await expect(pub(ws, { version: V(25), asOf: D(25), seed: 2, faults: crashAt(step) })).rejects.toBeInstanceOf(Crash);
        const during = await latestIsSound(ws);
        expect([V(24), V(25)]).toContain(during);
        const swapped = steps.indexOf(step) >= steps.indexOf('after-swap');
        expect(during).toBe(swapped ? V(25) : V(24));
        const rerun = await pub(ws, { version: V(25), asOf: D(25), seed: 2 });
        expect(rerun.status).toBe(swapped ? 'already-published' : 'published');
        expect(await latestIsSound(ws)).toBe(V(25));
        const ann = await announced(ws);
        expect(ann).toContain(V(24));
        expect(ann).toContain(V(25));
        // converged: one more rerun changes nothing
        const n = (await ws.outbox()).length;
        expect((await pub(ws, { version: V(25), asOf: D(25), seed: 2 })).status).toBe('already-published');
        expect(await ws.outbox()).toHaveLength(n);
      });
    }
  });

  it('converges through repeated random crashes (seeded)', async () => {
    const steps = await recordSteps();
    const r = rng(2026);
    for (let trial = 0; trial < 4; trial++) {
      await withWs(async (ws) => {
        await pub(ws, { version: V(24), asOf: D(24), seed: 1 });
        for (let attempt = 0; ; attempt++) {
          const step = attempt < 6 && r() < 0.8 ? steps[Math.floor(r() * steps.length)] : null;
          try {
            await pub(ws, { version: V(25), asOf: D(25), seed: 2, faults: step ? crashAt(step) : undefined });
            break;
          } catch (err) {
            if (!(err instanceof Crash)) throw err;
          }
          expect([V(24), V(25)]).toContain(await latestIsSound(ws));
        }
        expect(await latestIsSound(ws)).toBe(V(25));
        expect(await announced(ws)).toContain(V(25));
      });
    }
  });

  it('a failed notification is exit 5 after LATEST moved, and the rerun sends it', async () => {
    await withWs(async (ws) => {
      const down: Notifier = {
        uri: 'test://down',
        publish: async (_a: NotificationAttributes) => {
          throw new Error('connection refused');
        },
        close: async () => {},
      };
      const err = await pub(ws, { version: V(25), asOf: D(25), notifier: down }).catch((e) => e);
      expect(err).toBeInstanceOf(InfraError);
      expect(err.exitCode).toBe(ExitCode.infra);
      expect(err.message).toMatch(/notification to test:\/\/down failed: connection refused; rerun/);
      expect(await latestIsSound(ws)).toBe(V(25));
      expect(await ws.outbox()).toHaveLength(0);
      const rerun = await pub(ws, { version: V(25), asOf: D(25) });
      expect(rerun).toMatchObject({ status: 'already-published', notified: true });
      expect(await announced(ws)).toEqual([V(25)]);
    });
  });

  it('finishPublished sends the notification a crashed run left out, once', async () => {
    await withWs(async (ws) => {
      await expect(pub(ws, { version: V(25), asOf: D(25), faults: crashAt('after-swap') })).rejects.toBeInstanceOf(Crash);
      expect(await announced(ws)).toEqual([]);
      const r = await finishPublished({ store: ws.store, notifier: ws.notifier, dataset: DATASET, version: V(25) });
      expect(r).toMatchObject({ status: 'already-published', notified: true });
      expect((await finishPublished({ store: ws.store, notifier: ws.notifier, dataset: DATASET, version: V(25) })).notified).toBe(false);
      expect(await announced(ws)).toEqual([V(25)]);
      await expect(finishPublished({ store: ws.store, notifier: ws.notifier, dataset: DATASET, version: V(20) })).rejects.toThrow(/does not exist/);
    });
  });

  it('puts LATEST back when an object vanished between verification and the swap; the rerun repairs it', async () => {
    await withWs(async (ws) => {
      await pub(ws, { version: V(24), asOf: D(24), seed: 1 });
      const vanish = async (step: string) => {
        if (step !== 'before-swap') return;
        const shard = (await ws.store.list(paths.versionDir(DATASET, V(25)))).find((o) => o.path.endsWith('.arrow'))!;
        await ws.store.delete(shard.path);
      };
      const err = await pub(ws, { version: V(25), asOf: D(25), seed: 2, faults: vanish }).catch((e) => e);
      expect(err).toBeInstanceOf(InfraError);
      expect(err.message).toMatch(/named by the manifest but does not exist/);
      expect(await latestIsSound(ws)).toBe(V(24));
      expect((await pub(ws, { version: V(25), asOf: D(25), seed: 2 })).status).toBe('published');
      expect(await latestIsSound(ws)).toBe(V(25));
    });
  });

  it('never moves LATEST back to an older as-of, and a superseded announced version reruns as a no-op', async () => {
    await withWs(async (ws) => {
      await pub(ws, { version: V(24), asOf: D(24), seed: 1 });
      await pub(ws, { version: V(25), asOf: D(25), seed: 2 });
      const older = await pub(ws, { version: V(23), asOf: D(23), seed: 3 }).catch((e) => e);
      expect(older).toBeInstanceOf(RaceLostError);
      expect(older.exitCode).toBe(ExitCode.race);
      expect(older.message).toMatch(/newer than 2026-11-23/);
      expect((await pub(ws, { version: V(24), asOf: D(24), seed: 1 })).status).toBe('already-published');
      expect(await latestIsSound(ws)).toBe(V(25));
    });
  });

  it('a backfill publishes behind a newer LATEST without moving it', async () => {
    await withWs(async (ws) => {
      await pub(ws, { version: V(25), asOf: D(25), seed: 2 });
      const r = await publishSnapshot({
        store: ws.store, notifier: ws.notifier, dataset: DATASET, version: V(22), asOf: D(22), table: makeTable(100, 22), buckets: 4,
        manifest: manifestFields(), behindLatest: true,
      });
      expect(r).toMatchObject({ status: 'published', latestMoved: false, notified: true });
      expect(await latestIsSound(ws)).toBe(V(25));
      expect((await verifyVersion(ws.store, DATASET, V(22))).ok).toBe(true);
      expect(await announced(ws)).toEqual([V(25), V(22)]);
      // the same as-of as LATEST is still a lost race, backfill or not
      await expect(
        publishSnapshot({
          store: ws.store, notifier: ws.notifier, dataset: DATASET, version: V(25, 'b'), asOf: D(25), table: makeTable(100, 3), buckets: 4,
          manifest: manifestFields(), behindLatest: true,
        }),
      ).rejects.toBeInstanceOf(RaceLostError);
    });
  });

  it('one run wins per as-of; a forced version id may replace it', async () => {
    await withWs(async (ws) => {
      await pub(ws, { version: V(25, 'a'), asOf: D(25), seed: 1 });
      const other = await pub(ws, { version: V(25, 'b'), asOf: D(25), seed: 2 }).catch((e) => e);
      expect(other).toBeInstanceOf(RaceLostError);
      expect(other.message).toMatch(/already published for as-of 2026-11-25/);
      const forced = versionId({ dataset: DATASET, asOf: D(25), specHash: 's', inputFingerprint: 'f', force: true });
      expect(isForcedVersion(forced)).toBe(true);
      expect(isForcedVersion(V(25, 'f'))).toBe(false);
      expect((await pub(ws, { version: forced, asOf: D(25), seed: 3 })).status).toBe('published');
      expect(await latestIsSound(ws)).toBe(forced);
    });
  });

  it('refuses to republish a rolled-back version', async () => {
    await withWs(async (ws) => {
      await pub(ws, { version: V(24), asOf: D(24), seed: 1 });
      await pub(ws, { version: V(25), asOf: D(25), seed: 2 });
      await rollback({ store: ws.store, notifier: ws.notifier, dataset: DATASET, to: V(24) });
      const err = await pub(ws, { version: V(25), asOf: D(25), seed: 2 }).catch((e) => e);
      expect(err).toBeInstanceOf(OutputGateError);
      expect(err.message).toMatch(/was rolled back/);
      expect(await latestIsSound(ws)).toBe(V(24));
    });
  });

  it('refuses a version directory that holds different data under the same id', async () => {
    await withWs(async (ws) => {
      await expect(pub(ws, { version: V(25), asOf: D(25), seed: 1, faults: crashAt('manifest') })).rejects.toBeInstanceOf(Crash);
      const err = await pub(ws, { version: V(25), asOf: D(25), seed: 9 }).catch((e) => e);
      expect(err).toBeInstanceOf(InfraError);
      expect(err.message).toMatch(/already exists with different content|describes different data/);
      expect(await readLatest(ws.store, DATASET)).toBeNull();
    });
  });

  it('replaces a LATEST that points nowhere', async () => {
    await withWs(async (ws) => {
      await ws.store.swap(paths.latest(DATASET), new TextEncoder().encode('{"version":"gone","manifest":"versions/gone/manifest.json"}'), null);
      expect((await pub(ws, { version: V(25), asOf: D(25) })).status).toBe('published');
      expect(await latestIsSound(ws)).toBe(V(25));
    });
  });

  it('concurrent runs in one process: exactly one wins per as-of, nothing damaged', async () => {
    await withWs(async (ws) => {
      await pub(ws, { version: V(24), asOf: D(24), seed: 1 });
      const hex = ['b', 'c', 'd', 'e'];
      const results = await Promise.allSettled(hex.map((h, i) => pub(ws, { version: V(25, h), asOf: D(25), seed: 10 + i })));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(RaceLostError);
      const winner = (won[0] as PromiseFulfilledResult<{ version: string; status: string }>).value;
      expect(winner.status).toBe('published');
      expect(await latestIsSound(ws)).toBe(winner.version);
      expect(await announced(ws)).toEqual([V(24), winner.version]);
      for (const h of hex) {
        const check = await verifyVersion(ws.store, DATASET, V(25, h));
        // losers stay complete for gc; none is damaged
        expect(check.ok).toBe(true);
      }
      expect(await ws.store.stat(markers.notified(DATASET, winner.version))).not.toBeNull();
    });
  });

  it('concurrent runs of the same identity: one publishes, the others lose or find it published', async () => {
    await withWs(async (ws) => {
      const results = await Promise.allSettled([0, 1, 2, 3].map(() => pub(ws, { version: V(25), asOf: D(25), seed: 5 })));
      const statuses = results.map((r) => (r.status === 'fulfilled' ? r.value.status : (r.reason as Error).name));
      expect(statuses.filter((s) => s === 'published')).toHaveLength(1);
      for (const s of statuses) expect(['published', 'already-published', 'RaceLostError']).toContain(s);
      expect(await latestIsSound(ws)).toBe(V(25));
      expect((await announced(ws)).length).toBeGreaterThanOrEqual(1);
      expect(new Set(await announced(ws))).toEqual(new Set([V(25)]));
    });
  });
});
