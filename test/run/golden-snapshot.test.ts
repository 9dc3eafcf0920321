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
  version: '20261120-2bb690a79c04',
  shards: {
    'part-00000.arrow': '541a5bc7f2cb06b11244d987f137d8a9ba3582b3521f12cc2b540b49efa38140',
    'part-00001.arrow': '4a909ae187ef56c91d58fb8189730131315970eaa3155755b9abbac9fb67dd56',
    'part-00002.arrow': '543d8da62f680c820d6ecf1b6e94521e522d8fde43f0ae4305cae89789c8bd12',
    'part-00003.arrow': 'de9ed3aff8ad89c3d27ba77ed2d5893d7db2f0cfec76e67863bb08655bc27e1b',
    'part-00004.arrow': 'bc47bf9798f404ebfb374a5f64f52925606a516312e63b895ea183a777008744',
    'part-00005.arrow': '657130a4ba2e09f49d883a3a47bb0f18651b614445c04cfe0a314b3bc86ca164',
    'part-00006.arrow': '334670c0a3ffda76c58167bd6bc84b44ee2a917b490441ae2c4eabe0d4be8257',
    'part-00007.arrow': 'c9ff179084e803cf559594720dd646ddea1d98c48f7dc04cf216dcd7e8e937cf',
    'part-00008.arrow': '63fe8869aa5df9aa2025932fe09bc2edbd5f7ebdb0a5a15aab6464b858ec4933',
    'part-00009.arrow': '0499c16482d8c0dd4ba6366ec404acadc136905a1506b30c7ceda3e99b03f92f',
    'part-00010.arrow': '5f4ad9f95209f1d4f0b3e9f603530f8a16ece05b6e1381011768c6c46a9b2281',
    'part-00011.arrow': 'aa95bb52825bf108d95ad9a8ba2b7931fe0bdf3aa37c491265fd69c358ab0f94',
    'part-00012.arrow': 'b1338ebac4213679422024245e26351d8bf0b85081dd7a6e9b88435111b4ebac',
    'part-00013.arrow': '87b8e5f70058dec127fb95642cf6cf3c4406c7b8b69f3175e85bb88d03cb3d69',
    'part-00014.arrow': 'cb322e457541969ffa14e3a706ccad6a7e1eda1868d6fbc3b8867031a208a62f',
    'part-00015.arrow': '8b9665e8a4a4e56a197ecb2fed67679924b5208de029e1d2e0d2b8ada38e39cd',
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
