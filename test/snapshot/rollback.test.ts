import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../src/core/errors.ts';
import { sha256Hex } from '../../src/core/hash.ts';
import { paths } from '../../src/snapshot/contract.ts';
import { gc } from '../../src/snapshot/gc.ts';
import { readLatest } from '../../src/snapshot/read.ts';
import { isRolledBack } from '../../src/snapshot/markers.ts';
import { rollback } from '../../src/snapshot/rollback.ts';
import { workspace } from './fixtures.ts';
import { announced, Crash, crashAt, D, DATASET, latestIsSound, pub, V } from './helpers.ts';

async function twoVersions() {
  const ws = await workspace();
  await pub(ws, { version: V(24), asOf: D(24), seed: 1 });
  await pub(ws, { version: V(25), asOf: D(25), seed: 2 });
  return ws;
}

describe('rollback', () => {
  it('moves LATEST back, announces rolled_back, and marks the bad version', async () => {
    const ws = await twoVersions();
    try {
      const r = await rollback({ store: ws.store, notifier: ws.notifier, dataset: DATASET, to: V(24) });
      expect(r).toEqual({ status: 'rolled-back', from: V(25), to: V(24), notified: true });
      expect(await latestIsSound(ws)).toBe(V(24));
      expect(await isRolledBack(ws.store, DATASET, V(25))).toBe(true);
      expect(await isRolledBack(ws.store, DATASET, V(24))).toBe(false);
      // LATEST carries the digest of the target's manifest
      const manifestBytes = (await ws.store.read(paths.manifest(DATASET, V(24))))!.data;
      expect((await readLatest(ws.store, DATASET))!.pointer.manifest_sha256).toBe(sha256Hex(manifestBytes));
      const rb = (await ws.outbox()).filter((m) => m.attributes.event === 'rolled_back');
      expect(rb.map((m) => m.attributes)).toEqual([expect.objectContaining({ version: V(24), as_of: D(24), rows: '240' })]);
      // a second rollback to the same place changes nothing and sends nothing
      expect((await rollback({ store: ws.store, notifier: ws.notifier, dataset: DATASET, to: V(24) })).status).toBe('already-current');
      expect(await announced(ws, 'rolled_back')).toEqual([V(24)]);
      // the marker outlives gc of the bad version
      const g = await gc(ws.store, DATASET, { keep: 0, graceMs: 0 });
      expect(g.deleted.map((d) => d.version)).toEqual([V(25)]);
      expect(await isRolledBack(ws.store, DATASET, V(25))).toBe(true);
    } finally {
      await ws.cleanup();
    }
  });

  it('finishes after a crash at any step', async () => {
    for (const step of ['marked', 'after-swap', 'read-back', 'before-notify', 'after-notify']) {
      const ws = await twoVersions();
      try {
        await expect(rollback({ store: ws.store, notifier: ws.notifier, dataset: DATASET, to: V(24), faults: crashAt(step) })).rejects.toBeInstanceOf(Crash);
        expect([V(24), V(25)]).toContain(await latestIsSound(ws));
        await rollback({ store: ws.store, notifier: ws.notifier, dataset: DATASET, to: V(24) });
        expect(await latestIsSound(ws)).toBe(V(24));
        expect(await announced(ws, 'rolled_back')).toContain(V(24));
        expect(await isRolledBack(ws.store, DATASET, V(25))).toBe(true);
      } finally {
        await ws.cleanup();
      }
    }
  });

  it('refuses a target that does not exist or does not verify, and a dataset never published', async () => {
    const ws = await twoVersions();
    try {
      const err = await rollback({ store: ws.store, notifier: ws.notifier, dataset: DATASET, to: V(20) }).catch((e) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect(err.exitCode).toBe(ExitCode.usage);
      expect(err.message).toMatch(/cannot roll back to 20261120-aaaaaaaaaaaa: .*manifest .* does not exist/);
      await expect(rollback({ store: ws.store, notifier: ws.notifier, dataset: 'other', to: V(24) })).rejects.toThrow(/cannot roll back/);
      expect(await latestIsSound(ws)).toBe(V(25));
    } finally {
      await ws.cleanup();
    }
  });

  it('will not make a rolled-back version current again without force', async () => {
    const ws = await twoVersions();
    try {
      await rollback({ store: ws.store, notifier: ws.notifier, dataset: DATASET, to: V(24) });
      await expect(rollback({ store: ws.store, notifier: ws.notifier, dataset: DATASET, to: V(25) })).rejects.toThrow(/itself rolled back before; pass --force/);
      const r = await rollback({ store: ws.store, notifier: ws.notifier, dataset: DATASET, to: V(25), force: true });
      expect(r.status).toBe('rolled-back');
      expect(await latestIsSound(ws)).toBe(V(25));
    } finally {
      await ws.cleanup();
    }
  });
});
