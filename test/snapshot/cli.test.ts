import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from '../../src/cli/snapshots.ts';
import { paths, type Manifest } from '../../src/snapshot/contract.ts';
import { readLatest } from '../../src/snapshot/read.ts';
import { workspace, type Workspace } from './fixtures.ts';
import { D, DATASET, pub, V } from './helpers.ts';
import { runInProcess } from '../support/in-process.ts';

/** Runs `promoscore snapshots ...` in this process, capturing output and the exit code. */
const cli = (...args: string[]) => runInProcess([register], ['snapshots', ...args]);

describe('promoscore snapshots', () => {
  let ws: Workspace;
  let S: string[];
  const savedFormat = process.env.PROMOSCORE_LOG_FORMAT;
  beforeAll(async () => {
    process.env.PROMOSCORE_LOG_FORMAT = 'text';
    ws = await workspace();
    S = ['--store', `file://${ws.store.root}`];
    await pub(ws, { version: V(24), asOf: D(24), seed: 1 });
    await pub(ws, { version: V(25), asOf: D(25), seed: 2 });
  });
  afterAll(() => {
    if (savedFormat === undefined) delete process.env.PROMOSCORE_LOG_FORMAT;
    else process.env.PROMOSCORE_LOG_FORMAT = savedFormat;
    return ws.cleanup();
  });

  it('list: aligned columns with each version and its status', async () => {
    const r = await cli('list', ...S);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^VERSION\s+AS-OF\s+CREATED\s+ROWS\s+SHARDS\s+SIZE\s+STATUS$/);
    expect(lines[1]).toMatch(new RegExp(`^${V(24)}\\s+${D(24)}.*\\s240\\s.*published$`));
    expect(lines[2]).toMatch(new RegExp(`^${V(25)}\\s+${D(25)}.*LATEST$`));
    expect(lines[1].indexOf(D(24))).toBe(lines[0].indexOf('AS-OF'));
    const j = JSON.parse((await cli('list', ...S, '--json')).stdout);
    expect(j.map((v: { version: string; latest: boolean }) => [v.version, v.latest])).toEqual([[V(24), false], [V(25), true]]);
  });

  it('show: LATEST by default; --json prints the manifest', async () => {
    const r = await cli('show', ...S);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`version\\s+${V(25)}  \\(LATEST\\)`));
    expect(r.stdout).toMatch(/MARKET\s+SURFACE\s+ROWS\s+PROMOTED/);
    expect(r.stdout).toMatch(/score\s+p0=\S+ p1=\S+ p5=\S+ p25=\S+ p50=\S+ p75=\S+ p95=\S+ p99=\S+ p100=\S+/);
    const m = JSON.parse((await cli('show', V(24), ...S, '--json')).stdout) as Manifest;
    expect(m.version).toBe(V(24));
    expect(m.stats.rows).toBe(240);
    expect((await cli('show', 'nope', ...S)).code).toBe(2);
  });

  it('diff: manifest deltas, and row by row with --rows', async () => {
    const r = await cli('diff', V(24), V(25), ...S);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rows:\s+240 -> 240 \(\+0\)/);
    const j = JSON.parse((await cli('diff', V(24), V(25), ...S, '--rows', '--json')).stdout);
    expect(j.rows.only_a + j.rows.common).toBe(240);
    expect(j.rows.only_b + j.rows.common).toBe(240);
    const same = JSON.parse((await cli('diff', V(25), V(25), ...S, '--rows', '--json')).stdout);
    expect(same.rows).toMatchObject({ only_a: 0, only_b: 0, common: 240, share_changed: 0 });
    expect(same.groups).toEqual([]);
  });

  it('verify: exit 0 when sound, 5 naming the problem when not', async () => {
    const ok = await cli('verify', ...S);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^ok  ${DATASET}/${V(25)}: \\d+ shards, 240 rows`));
    expect((await cli('verify', '--all', ...S)).code).toBe(0);
    const m = JSON.parse((await cli('show', V(24), ...S, '--json')).stdout) as Manifest;
    const file = join(ws.store.root, ...paths.shard(DATASET, V(24), m.shards[0].path).split('/'));
    const orig = await readFile(file);
    const bad = Buffer.from(orig);
    bad[100] ^= 0xff;
    await writeFile(file, bad);
    try {
      const r = await cli('verify', V(24), ...S);
      expect(r.code).toBe(5);
      expect(r.stdout).toMatch(new RegExp(`BAD\\s+${m.shards[0].path}`));
      expect(r.stderr).toMatch(new RegExp(`verify failed: 1 of 1 versions damaged; ${V(24)}: .*${m.shards[0].path}: crc32c`));
      expect((await cli('verify', '--all', ...S)).code).toBe(5);
      expect((await cli('verify', ...S)).code).toBe(0);
    } finally {
      await writeFile(file, orig);
    }
  });

  it('verify: a manifest edited after publishing is exit 5, naming the digest LATEST carries', async () => {
    const file = join(ws.store.root, ...paths.manifest(DATASET, V(25)).split('/'));
    const orig = await readFile(file);
    const m = JSON.parse(orig.toString('utf8')) as Manifest;
    m.stats.promoted_rows += 1;
    await writeFile(file, JSON.stringify(m, null, 2) + '\n');
    try {
      for (const args of [[], [V(25)], ['--all']]) {
        const r = await cli('verify', ...args, ...S);
        expect(r.code).toBe(5);
        expect(r.stderr).toMatch(/manifest\.json has sha256 [0-9a-f]{64}, LATEST says [0-9a-f]{64}/);
      }
    } finally {
      await writeFile(file, orig);
    }
    expect((await cli('verify', ...S)).code).toBe(0);
  });

  it('verify: a LATEST pointing nowhere is exit 5', async () => {
    const other = await workspace();
    try {
      await other.store.swap(paths.latest(DATASET), Buffer.from(JSON.stringify({ version: 'ghost', manifest: paths.manifestRel('ghost') })), null);
      const r = await cli('verify', '--store', `file://${other.store.root}`);
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/LATEST names version ghost/);
    } finally {
      await other.cleanup();
    }
  });

  it('rollback and gc', async () => {
    const outbox = `file://${join(ws.dir, 'cli-outbox.ndjson')}`;
    expect((await cli('rollback', V(20), ...S, '--notify', outbox)).code).toBe(2);
    const r = await cli('rollback', V(24), ...S, '--notify', outbox);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${V(25)} -> ${V(24)}`));
    expect((await readLatest(ws.store, DATASET))!.pointer.version).toBe(V(24));
    const sent = (await readFile(join(ws.dir, 'cli-outbox.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).attributes);
    expect(sent).toEqual([expect.objectContaining({ version: V(24), event: 'rolled_back' })]);
    expect((await cli('list', ...S)).stdout).toMatch(new RegExp(`${V(25)}.*rolled back`));

    expect((await cli('gc', '--keep', 'x', ...S)).code).toBe(2);
    expect((await cli('gc', '--keep', '0', '--grace', 'soon', ...S)).code).toBe(2);
    const dry = await cli('gc', '--keep', '0', '--grace', '0', '--dry-run', ...S);
    expect(dry.stdout).toMatch(new RegExp(`${V(25)}\\s+would delete`));
    const g = await cli('gc', '--keep', '0', '--grace', '0', ...S);
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(new RegExp(`${V(25)}\\s+deleted`));
    expect(g.stdout).toMatch(new RegExp(`${V(24)}\\s+kept\\s+latest`));
    expect((await cli('verify', '--all', ...S)).code).toBe(0);
  });

  it('refuses bad flags with exit 2 and has help with examples everywhere', async () => {
    expect((await cli('list', '--store', 's3://x')).code).toBe(2);
    expect((await cli('list', ...S, '--dataset', '../etc')).code).toBe(2);
    for (const sub of ['list', 'show', 'diff', 'verify', 'rollback', 'gc']) {
      const h = await cli(sub, '--help');
      expect(h.stdout, sub).toMatch(/Examples:\n  \$ promoscore snapshots/);
    }
    expect((await cli('verify', '--help')).stdout).toMatch(/Exit codes: 0 .* 5 when/s);
  });
});
