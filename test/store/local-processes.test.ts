import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStore } from '../../src/store/local/store.ts';
import { release, runTs } from '../snapshot/spawn.ts';

describe('LocalStore across processes', () => {
  it('compare-and-swap loses no update when 3 processes increment one counter', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promoscore-cas-'));
    try {
      const store = new LocalStore(dir);
      await store.swap('ctr', Buffer.from('0'), null);
      const barrier = join(dir, 'go');
      const runs = [0, 1, 2].map(() => runTs('test/store/cas-child.ts', { CAS_CHILD: JSON.stringify({ dir, times: 25, barrier }) }));
      await release(barrier, runs.length);
      const results = await Promise.all(runs);
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      expect(Buffer.from((await store.read('ctr'))!.data).toString()).toBe('75');
      expect((await store.list('')).map((o) => o.path).filter((p) => !p.startsWith('go')).sort()).toEqual(['ctr']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
