import { readFile, truncate, writeFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptSnapshotError } from '../../src/core/errors.ts';
import { paths, type Manifest } from '../../src/snapshot/contract.ts';
import { readLatestVerified, readVersionTable, verifyVersion } from '../../src/snapshot/snapshot-reader.ts';
import { workspace, type Workspace } from './fixtures.ts';
import { D, DATASET, pub, V } from './helpers.ts';

describe('readers refuse damaged snapshots with clear errors', () => {
  let ws: Workspace;
  let manifest: Manifest;
  const fsPath = (p: string) => join(ws.store.root, ...p.split('/'));
  const firstShard = () => fsPath(paths.shard(DATASET, V(25), manifest.shards[0].path));

  beforeEach(async () => {
    ws = await workspace();
    manifest = (await pub(ws, { version: V(25), asOf: D(25) })).manifest;
    expect((await verifyVersion(ws.store, DATASET, V(25))).ok).toBe(true);
  });
  afterEach(() => ws.cleanup());

  async function expectRefused(pattern: RegExp): Promise<void> {
    const check = await verifyVersion(ws.store, DATASET, V(25));
    expect(check.ok).toBe(false);
    const messages = [check.manifestError, ...check.errors, ...check.shards.map((s) => s.error)].filter(Boolean).join('\n');
    expect(messages).toMatch(pattern);
    await expect(readVersionTable(ws.store, DATASET, V(25))).rejects.toBeInstanceOf(CorruptSnapshotError);
    const latest = await readLatestVerified(ws.store, DATASET).catch((e) => e);
    if (latest instanceof Error) expect(latest).toBeInstanceOf(CorruptSnapshotError);
    else expect(latest!.ok).toBe(false);
  }

  it('a truncated shard', async () => {
    const size = (await readFile(firstShard())).byteLength;
    await truncate(firstShard(), size - 10);
    await expectRefused(new RegExp(`${manifest.shards[0].path}: ${size - 10} bytes, manifest says ${size} \\(truncated or replaced\\)`));
  });

  it('a flipped byte', async () => {
    const bytes = await readFile(firstShard());
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    await writeFile(firstShard(), bytes);
    await expectRefused(/crc32c .*, manifest says/);
  });

  it('a manifest that lies about a checksum', async () => {
    const m = JSON.parse(await readFile(fsPath(paths.manifest(DATASET, V(25))), 'utf8')) as Manifest;
    m.shards[1].sha256 = '0'.repeat(64);
    await writeFile(fsPath(paths.manifest(DATASET, V(25))), JSON.stringify(m));
    await expectRefused(new RegExp(`${m.shards[1].path}: sha256 [0-9a-f]{64}, manifest says 0{64}`));
  });

  it('a manifest that lies about rows', async () => {
    const m = JSON.parse(await readFile(fsPath(paths.manifest(DATASET, V(25))), 'utf8')) as Manifest;
    m.stats.rows += 1;
    await writeFile(fsPath(paths.manifest(DATASET, V(25))), JSON.stringify(m));
    await expectRefused(/stats\.rows is 241, the shards hold 240/);
  });

  it('a manifest edited after publishing (a field no shard check covers)', async () => {
    const file = fsPath(paths.manifest(DATASET, V(25)));
    const m = JSON.parse(await readFile(file, 'utf8')) as Manifest;
    m.stats.promoted_rows += 1000;
    await writeFile(file, JSON.stringify(m, null, 2) + '\n');
    await expectRefused(/manifest .*manifest\.json has sha256 [0-9a-f]{64}, LATEST says [0-9a-f]{64}/);
  });

  it('a LATEST written before it carried the manifest digest still reads', async () => {
    await writeFile(fsPath(paths.latest(DATASET)), JSON.stringify({ version: V(25), manifest: paths.manifestRel(V(25)) }) + '\n');
    expect((await readLatestVerified(ws.store, DATASET))!.ok).toBe(true);
    expect((await verifyVersion(ws.store, DATASET, V(25))).ok).toBe(true);
    expect((await readVersionTable(ws.store, DATASET, V(25))).table.numRows).toBe(240);
  });

  it('a missing shard', async () => {
    await unlink(firstShard());
    await expectRefused(/named by the manifest but does not exist/);
  });

  it('a shard path that escapes the version directory', async () => {
    const m = JSON.parse(await readFile(fsPath(paths.manifest(DATASET, V(25))), 'utf8')) as Manifest;
    m.shards[0].path = '../../LATEST';
    await writeFile(fsPath(paths.manifest(DATASET, V(25))), JSON.stringify(m));
    await expectRefused(/invalid shard path "..\/..\/LATEST"/);
  });

  it('a manifest that is not JSON', async () => {
    await writeFile(fsPath(paths.manifest(DATASET, V(25))), '{"format_version": 1, "datas');
    await expectRefused(/manifest .* is not JSON/);
  });

  it('a LATEST pointing nowhere', async () => {
    await writeFile(fsPath(paths.latest(DATASET)), JSON.stringify({ version: 'ghost', manifest: paths.manifestRel('ghost') }));
    await expect(readLatestVerified(ws.store, DATASET)).rejects.toThrow(/LATEST names version ghost, but manifest .*ghost.* does not exist/);
  });

  it('a LATEST that is not JSON', async () => {
    await writeFile(fsPath(paths.latest(DATASET)), 'garbage');
    await expect(readLatestVerified(ws.store, DATASET)).rejects.toThrow(/LATEST is not JSON/);
  });
});
