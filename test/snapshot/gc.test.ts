import { readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gc, parseDuration } from '../../src/snapshot/gc.ts';
import { paths } from '../../src/snapshot/contract.ts';
import { rollback } from '../../src/snapshot/rollback.ts';
import { listVersions, verifyVersion } from '../../src/snapshot/snapshot-reader.ts';
import type { ObjectStore } from '../../src/store/port.ts';
import { workspace, type Workspace } from './fixtures.ts';
import { Crash, crashAt, D, DATASET, latestIsSound, pub, V } from './helpers.ts';

const HOUR = 3600_000;

/** Ages every file under `dir` by `ms`, as if written that long ago. */
async function age(dir: string, ms: number): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await age(p, ms);
    else {
      const s = await stat(p);
      const t = new Date(s.mtimeMs - ms);
      await utimes(p, t, t);
    }
  }
}

describe('gc', () => {
  let ws: Workspace;
  beforeEach(async () => {
    ws = await workspace();
    for (let d = 20; d <= 24; d++) await pub(ws, { version: V(d), asOf: D(d), seed: d });
    // a run that died just before moving LATEST: complete, never published
    await expect(pub(ws, { version: V(25, 'b'), asOf: D(25), seed: 99, faults: crashAt('before-swap') })).rejects.toBeInstanceOf(Crash);
    // a run that crashed after its first shard, for a later as-of
    await expect(pub(ws, { version: V(26), asOf: D(26), seed: 26, faults: (s) => { if (s.startsWith('shard:')) throw new Crash(s); } })).rejects.toBeInstanceOf(Crash);
    await age(ws.store.root, 3 * HOUR);
  });
  afterEach(() => ws.cleanup());

  const versionsLeft = async () => (await listVersions(ws.store, DATASET)).map((v) => v.version).sort();

  it('keeps LATEST and the N published before it, deletes orphans and older versions', async () => {
    expect(await latestIsSound(ws)).toBe(V(24));
    const r = await gc(ws.store, DATASET, { keep: 2 });
    expect(r.deleted.map((d) => d.version).sort()).toEqual([V(20), V(21), V(25, 'b'), V(26)].sort());
    expect(await versionsLeft()).toEqual([V(22), V(23), V(24)]);
    for (const v of [V(22), V(23), V(24)]) expect((await verifyVersion(ws.store, DATASET, v)).ok).toBe(true);
    expect(r.kept.find((k) => k.version === V(24))?.reasons).toContain('latest');
    expect(await latestIsSound(ws)).toBe(V(24));
    // nothing of the deleted versions is left behind, not even their directories
    const dirs = await readdir(join(ws.store.root, DATASET, 'versions'));
    expect(dirs.sort()).toEqual([V(22), V(23), V(24)]);
  });

  it('with --keep 0 keeps only LATEST; a dry run deletes nothing', async () => {
    const dry = await gc(ws.store, DATASET, { keep: 0, dryRun: true });
    expect(dry.deleted).toHaveLength(6);
    expect(await versionsLeft()).toHaveLength(7);
    await gc(ws.store, DATASET, { keep: 0 });
    expect(await versionsLeft()).toEqual([V(24)]);
    expect(await latestIsSound(ws)).toBe(V(24));
  });

  it('spares versions a run may still be writing (younger than the grace period)', async () => {
    await expect(pub(ws, { version: V(27), asOf: D(27), seed: 27, faults: crashAt('manifest') })).rejects.toBeInstanceOf(Crash);
    await gc(ws.store, DATASET, { keep: 0, graceMs: HOUR });
    expect(await versionsLeft()).toEqual([V(24), V(27)]);
    // and once the grace period has passed it is an orphan like any other
    await gc(ws.store, DATASET, { keep: 0, graceMs: HOUR, now: new Date(Date.now() + 2 * HOUR) });
    expect(await versionsLeft()).toEqual([V(24)]);
  });

  it('after a rollback counts back from the new LATEST', async () => {
    await rollback({ store: ws.store, notifier: ws.notifier, dataset: DATASET, to: V(22) });
    await gc(ws.store, DATASET, { keep: 1, graceMs: 0 });
    expect(await versionsLeft()).toEqual([V(21), V(22)]);
    expect(await latestIsSound(ws)).toBe(V(22));
  });

  it('refuses to run when LATEST names nothing readable', async () => {
    await ws.store.delete(paths.manifest(DATASET, V(24)));
    await expect(gc(ws.store, DATASET, { keep: 1 })).rejects.toThrow(/gc refused: .*LATEST names 20261124-aaaaaaaaaaaa/);
    expect(await versionsLeft()).toHaveLength(7);
  });

  it('refuses to run when LATEST is missing after versions were published; rollback restores it', async () => {
    await ws.store.delete(paths.latest(DATASET));
    await expect(gc(ws.store, DATASET, { keep: 1 })).rejects.toThrow(/LATEST is missing but versions were published/);
    expect(await versionsLeft()).toHaveLength(7);
    const r = await rollback({ store: ws.store, notifier: ws.notifier, dataset: DATASET, to: V(24) });
    expect(r).toMatchObject({ status: 'rolled-back', from: null, to: V(24) });
    expect(await latestIsSound(ws)).toBe(V(24));
    await gc(ws.store, DATASET, { keep: 1 });
    expect(await versionsLeft()).toEqual([V(23), V(24)]);
  });

  it('sweeps crashed writers\' temp files through the store port, whatever class the store is', async () => {
    await writeFile(join(ws.store.root, DATASET, '.promoscore-tmp-9-dead'), 'partial');
    await age(ws.store.root, 3 * HOUR);
    const local = ws.store;
    // a store that only delegates (as a wrapper adding logging or metrics would): not a LocalStore
    const wrapped: ObjectStore = {
      uri: local.uri,
      create: (p, d) => local.create(p, d),
      swap: (p, d, e) => local.swap(p, d, e),
      read: (p) => local.read(p),
      stat: (p) => local.stat(p),
      list: (p) => local.list(p),
      delete: (p) => local.delete(p),
      uriOf: (p) => local.uriOf(p),
      sweepTemp: (ms) => local.sweepTemp(ms),
    };
    const r = await gc(wrapped, DATASET, { keep: 10 });
    expect(r.tempFiles).toBe(1);
    expect(await readdir(join(ws.store.root, DATASET))).not.toContain('.promoscore-tmp-9-dead');
  });

  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2h')).toBe(2 * HOUR);
    expect(parseDuration('0')).toBe(0);
    expect(() => parseDuration('soon')).toThrow(/--grace: "soon" is not a duration/);
  });
});
