import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promises as fsPromises } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { PreconditionFailedError } from '../../src/core/errors.ts';
import { LocalStore } from '../../src/store/local/store.ts';
import { openStore } from '../../src/store/open.ts';
import { storeContract } from '../contracts/store.contract.ts';

storeContract('local directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'promoscore-store-'));
  return { store: new LocalStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('LocalStore specifics', () => {
  it('hides temp and lock files from list and refuses internal or escaping paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promoscore-store-'));
    try {
      const store = new LocalStore(dir);
      await store.create('ds/a', new Uint8Array([1]));
      await writeFile(join(dir, 'ds', '.promoscore-tmp-1-abc'), 'partial');
      await writeFile(join(dir, 'ds', '.promoscore-lock-a'), 'x\n1\n');
      expect((await store.list('ds/')).map((o) => o.path)).toEqual(['ds/a']);
      for (const bad of ['../x', '/abs', 'ds/../../x', 'ds/.promoscore-lock-a', 'ds/', '', 'a//b']) {
        await expect(store.create(bad, new Uint8Array([1]))).rejects.toThrow(/invalid object path/);
      }
      expect(await store.sweepTemp(-1)).toBe(1);
      expect((await readdir(join(dir, 'ds'))).sort()).toEqual(['.promoscore-lock-a', 'a']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('breaks a lock left by a dead process and then swaps', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promoscore-store-'));
    try {
      const store = new LocalStore(dir);
      const first = await store.swap('ds/LATEST', new Uint8Array([1]), null);
      // pid 2^22+1 is above Linux's default pid_max range: no live process holds it
      const { hostname } = await import('node:os');
      await writeFile(join(dir, 'ds', '.promoscore-lock-LATEST'), `${hostname()}\n${4194305}\ndeadbeef`);
      const second = await store.swap('ds/LATEST', new Uint8Array([2]), first.generation);
      expect(second.generation).not.toBe(first.generation);
      expect((await readdir(join(dir, 'ds'))).sort()).toEqual(['LATEST']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('waits for a live lock holder, and times out with a named error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promoscore-store-'));
    try {
      const store = new LocalStore(dir, { lockTimeoutMs: 200 });
      const first = await store.swap('ds/LATEST', new Uint8Array([1]), null);
      const { hostname } = await import('node:os');
      // held by this very process's parent: alive, so not stale
      await writeFile(join(dir, 'ds', '.promoscore-lock-LATEST'), `${hostname()}\n${process.ppid}\nfeed`);
      await expect(store.swap('ds/LATEST', new Uint8Array([2]), first.generation)).rejects.toThrow(/timed out waiting for lock/);
      expect((await store.read('ds/LATEST'))!.data[0]).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opens file:// URIs, relative and absolute, and refuses unknown schemes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promoscore-store-'));
    try {
      const s = await openStore(`file://${dir}`);
      expect(s.uri).toBe(`file://${dir}`);
      const rel = (await openStore('file://./x/y')) as LocalStore;
      expect(rel.root).toBe(join(process.cwd(), 'x/y'));
      await expect(openStore('s3://b')).rejects.toThrow(/--store: unsupported store URI/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('emulates create-only under the lock on a filesystem without hard links', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promoscore-store-'));
    const spy = vi.spyOn(fsPromises, 'link').mockRejectedValue(Object.assign(new Error('operation not permitted'), { code: 'EPERM' }));
    try {
      const store = new LocalStore(dir);
      const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => store.create('ds/obj', new Uint8Array([i]))));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
      expect(spy).toHaveBeenCalled();
      expect((await store.list('ds/')).map((o) => o.path)).toEqual(['ds/obj']);
    } finally {
      spy.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
