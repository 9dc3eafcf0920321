import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../support/cli.ts';

/**
 * The `npm start` path (`promoscore run` with nothing configured: the embedded sample, the local store)
 * in a fresh directory must keep producing the same bytes. A change that restructures the code leaves
 * these values alone; a change that means to alter decisions (scoring, allocation, the sample, the
 * shard layout) updates them in the same commit and says why.
 */
const AS_OF = '2026-11-20';
const RECORDED = {
  version: '20261120-0bb6bebe1309',
  shards: {
    'part-00000.arrow': '7a247bfc49656344f8a33bec57023ff98b432caf32d7f3776f4a625afd60865c',
    'part-00001.arrow': '4b514e5e5afd75bbcf6e68bd346126c24939e300d93e94158f65f6c9d2eaf573',
    'part-00002.arrow': 'fbd57f902ea224dd42d740e310424031727cd2d335d9c8861720da62ec7263ac',
    'part-00003.arrow': '8ee99e7fc43c8d48a10a6994e199d2ca3fc0d87255a51038e473d351ec000190',
    'part-00004.arrow': '9183add47fe9318f3996cc472a4a908578e95ab3bcb28158bce7a6c799f5cf29',
    'part-00005.arrow': '5b022f8d8a46cecab4ddce97af5a1c7692fc0cd55959b14051cf6dc9495498a7',
    'part-00006.arrow': 'add83cbf7f34fb40222ad0e8e091eedd7f7dfca23afdc04f8a7388f7b30d9395',
    'part-00007.arrow': '86907920ed6a18d2dfe91a23f192c75842de76ede03e0d026765a0e4502be8f2',
    'part-00008.arrow': 'c0b82f8eddc8479b41ae843696a1e1e77d11a957e81aaf697680e5a9c306ee38',
    'part-00009.arrow': 'b209c3b5dcc9c6537fdda06fc5e75ba6276eccb19ba833b90c2a0ef1ad3a0809',
    'part-00010.arrow': 'a14cbbf41129cc8e4c1f688a6471e074c196e78413297194b1be85e86af316e4',
    'part-00011.arrow': '1e3a424b9ff9553afc4ce49535370a3e4f2f8456cb8579f36aaa3702484919ac',
    'part-00012.arrow': 'dc7fd3c5d1302751752740ff14031f940f3a664835b7fa9c6c631ed6e2cced88',
    'part-00013.arrow': '6e1a74142d677e907b12b5dbd876221d88cc00c5dc3b479e440f68b6426a354e',
    'part-00014.arrow': '1cf63757da8c7d9ab524c769cb4db8e30eea1e683300be81381f2bf1bd050615',
    'part-00015.arrow': '1a0a54660437483b05537ef774e9f2ef4c4d6d7b3e564361a7fcbd0b43985cda',
  },
};

describe('the npm start snapshot', () => {
  it('has the recorded version id and shard bytes', async () => {
    await withTempDir('golden', async (dir) => {
      const r = await runCli(['run', '--as-of', AS_OF, '--no-report'], {
        cwd: dir,
        timeoutMs: 170_000,
        // nothing configured: the defaults npm start runs on
        env: { PROMOSCORE_STORE: undefined, PROMOSCORE_WAREHOUSE: undefined, PROMOSCORE_NOTIFY: undefined, PROMOSCORE_JOB: undefined, PROMOSCORE_DATASET: undefined },
      });
      expect(r.code, r.stderr).toBe(0);
      const base = join(dir, '.promoscore', 'store', 'promo_scores');
      const latest = JSON.parse(await readFile(join(base, 'LATEST'), 'utf8'));
      expect(latest.version).toBe(RECORDED.version);
      const vdir = join(base, 'versions', latest.version);
      const files = (await readdir(vdir)).filter((f) => f.endsWith('.arrow')).sort();
      const got: Record<string, string> = {};
      for (const f of files) got[f] = createHash('sha256').update(await readFile(join(vdir, f))).digest('hex');
      expect(got).toEqual(RECORDED.shards);
    });
  }, 180_000);
});
