import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seededBytes } from '../support/seeded-bytes.ts';
import { PreconditionFailedError } from '../../src/core/errors.ts';
import type { ObjectStore } from '../../src/store/port.ts';

export interface StoreFixture {
  store: ObjectStore;
  cleanup(): Promise<void>;
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);


async function rejectsPrecondition(p: Promise<unknown>): Promise<void> {
  await expect(p).rejects.toBeInstanceOf(PreconditionFailedError);
}

/**
 * The ObjectStore contract, adapter-neutral: run it against every adapter (local directory, GCS).
 * `make` returns a fresh, empty store (or a fresh prefix of one).
 */
export function storeContract(name: string, make: () => Promise<StoreFixture>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let fx: StoreFixture;
    let store: ObjectStore;
    beforeEach(async () => {
      fx = await make();
      store = fx.store;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    it('reads, stats and deletes absent objects without error', async () => {
      expect(await store.read('nope/missing.bin')).toBeNull();
      expect(await store.stat('nope/missing.bin')).toBeNull();
      await store.delete('nope/missing.bin');
      expect(await store.list('nope/')).toEqual([]);
    });

    it('create writes once and refuses to overwrite', async () => {
      const info = await store.create('ds/versions/v1/part-00000.arrow', enc('first'));
      expect(info.path).toBe('ds/versions/v1/part-00000.arrow');
      expect(info.size).toBe(5);
      expect(typeof info.generation).toBe('string');
      expect(Number.isNaN(Date.parse(info.updated))).toBe(false);
      await rejectsPrecondition(store.create('ds/versions/v1/part-00000.arrow', enc('second')));
      const got = await store.read('ds/versions/v1/part-00000.arrow');
      expect(got && dec(got.data)).toBe('first');
      expect(got?.generation).toBe(info.generation);
      expect((await store.stat('ds/versions/v1/part-00000.arrow'))?.generation).toBe(info.generation);
    });

    it('round-trips binary data exactly (every byte value, empty, large)', async () => {
      const all = new Uint8Array(256).map((_, i) => i);
      const big = seededBytes(3 * 1024 * 1024 + 7, 42);
      await store.create('bin/all', all);
      await store.create('bin/empty', new Uint8Array(0));
      await store.create('bin/big', big);
      expect(Buffer.compare(Buffer.from((await store.read('bin/all'))!.data), Buffer.from(all))).toBe(0);
      expect((await store.read('bin/empty'))!.data.byteLength).toBe(0);
      const gotBig = (await store.read('bin/big'))!.data;
      expect(gotBig.byteLength).toBe(big.byteLength);
      expect(Buffer.compare(Buffer.from(gotBig), Buffer.from(big))).toBe(0);
      expect((await store.stat('bin/big'))!.size).toBe(big.byteLength);
    });

    it('swap replaces only on the expected generation', async () => {
      await rejectsPrecondition(store.swap('ds/LATEST', enc('x'), 'no-such-generation'));
      const a = await store.swap('ds/LATEST', enc('a'), null);
      await rejectsPrecondition(store.swap('ds/LATEST', enc('b'), null));
      const b = await store.swap('ds/LATEST', enc('b'), a.generation);
      expect(b.generation).not.toBe(a.generation);
      await rejectsPrecondition(store.swap('ds/LATEST', enc('c'), a.generation));
      const got = await store.read('ds/LATEST');
      expect(dec(got!.data)).toBe('b');
      expect(got!.generation).toBe(b.generation);
    });

    it('gives a new generation to every write, even of identical bytes (no ABA)', async () => {
      const g0 = await store.swap('ds/LATEST', enc('same'), null);
      const g1 = await store.swap('ds/LATEST', enc('same'), g0.generation);
      const g2 = await store.swap('ds/LATEST', enc('same'), g1.generation);
      expect(new Set([g0.generation, g1.generation, g2.generation]).size).toBe(3);
      await rejectsPrecondition(store.swap('ds/LATEST', enc('same'), g0.generation));
    });

    it('lists by prefix, sorted, with sizes', async () => {
      for (const p of ['a/b/d', 'a/bc', 'a/b/c', 'ab', 'z/1', 'a/b/e/f']) await store.create(p, enc(p));
      expect((await store.list('a/b')).map((o) => o.path)).toEqual(['a/b/c', 'a/b/d', 'a/b/e/f', 'a/bc']);
      expect((await store.list('a/b/')).map((o) => o.path)).toEqual(['a/b/c', 'a/b/d', 'a/b/e/f']);
      expect((await store.list('a')).map((o) => o.path)).toEqual(['a/b/c', 'a/b/d', 'a/b/e/f', 'a/bc', 'ab']);
      const one = (await store.list('a/bc'))[0];
      expect(one.size).toBe(4);
      expect(one.generation).toBe((await store.stat('a/bc'))!.generation);
      expect(await store.list('q')).toEqual([]);
    });

    it('deletes, after which the path can be created again', async () => {
      await store.create('d/x', enc('1'));
      await store.create('d/y', enc('2'));
      await store.delete('d/x');
      expect(await store.read('d/x')).toBeNull();
      expect((await store.list('d/')).map((o) => o.path)).toEqual(['d/y']);
      await store.create('d/x', enc('3'));
      expect(dec((await store.read('d/x'))!.data)).toBe('3');
    });

    it('concurrent creates of one path: exactly one wins', async () => {
      const n = 12;
      const results = await Promise.allSettled(
        Array.from({ length: n }, (_, i) => store.create('race/obj', enc(`writer-${i}`))),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
      }
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      expect(dec((await store.read('race/obj'))!.data)).toBe(`writer-${winner}`);
    });

    it('concurrent swaps on one generation: exactly one wins', async () => {
      const base = await store.swap('race/LATEST', enc('base'), null);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => store.swap('race/LATEST', enc(`swap-${i}`), base.generation)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      const got = await store.read('race/LATEST');
      expect(dec(got!.data)).toBe(`swap-${winner}`);
      expect(got!.generation).toBe((results[winner] as PromiseFulfilledResult<{ generation: string }>).value.generation);
    });

    it('read-modify-swap loops lose no update under contention', async () => {
      await store.swap('ctr', enc('0'), null);
      const workers = 4;
      const each = 5;
      const incr = async () => {
        for (let done = 0; done < each; ) {
          const cur = (await store.read('ctr'))!;
          try {
            await store.swap('ctr', enc(String(Number(dec(cur.data)) + 1)), cur.generation);
            done++;
          } catch (err) {
            if (!(err instanceof PreconditionFailedError)) throw err;
          }
        }
      };
      await Promise.all(Array.from({ length: workers }, incr));
      expect(dec((await store.read('ctr'))!.data)).toBe(String(workers * each));
    });

    it('names objects by URI', async () => {
      const u = store.uriOf('ds/versions/v1/manifest.json');
      expect(u.startsWith(store.uri)).toBe(true);
      expect(u.endsWith('ds/versions/v1/manifest.json')).toBe(true);
    });
  });
}
