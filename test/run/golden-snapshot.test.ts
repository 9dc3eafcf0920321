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
  version: '20261120-21c5218d7b5a',
  shards: {
    'part-00000.arrow': '7a6c6b2a5f1568c61e29737d51f696d52c0b72f8420c3588db84a4d46454ecfd',
    'part-00001.arrow': '17ba0339cbd9d2427bbb6a414b2a794153ef4411583e166e35f7601fd2f62164',
    'part-00002.arrow': '6ad458856f7659e3ca34dda07efa0d938673b1b465311d2725966b4339ef328f',
    'part-00003.arrow': '18691c142e1da4291de1de77ac0d7bdffeecaa38a9685b759afa5b5793ebbe05',
    'part-00004.arrow': '967deef497181369e2eddd09e06a1eabb1728e958921cc38c200e04a7f6b5c5b',
    'part-00005.arrow': '43a061d69a3ecf2e53d82fb026bfd9b22a659f8e7fff07dfab55e6836585c1d5',
    'part-00006.arrow': 'e298b227bac51b64e763a71fceed384ad538321f35ae1cf81e5437c676a6e073',
    'part-00007.arrow': 'e2562243f3e1c3704d1246060b674e405a2eb7ff48b6645fad8b247e93f118f5',
    'part-00008.arrow': '4611452c8e68bd499a99e293352d3cd9426981f8d2314792e696a258f387bc99',
    'part-00009.arrow': 'bc345fbe1b38d228276a775b82e35fb51cf32e082a42caba925b55484e0ba0f4',
    'part-00010.arrow': '530793b7d673d68e25f489534b1035ebf49a613c0e4188dd38cf707857b2e103',
    'part-00011.arrow': '66dbefa2161bb3711e4e2a5b76919639d3c04b35c09577bbe7af6f96f2157728',
    'part-00012.arrow': '111180934621d19ca9d7a42af6ae731bdde4ee96d0b0239688365f6c605780ac',
    'part-00013.arrow': '9b8b2613d6a727e792694db26f4e2d011588284c98a63e87cb1dacdb1d711aae',
    'part-00014.arrow': '55804fdde74006014b78f57ac4e6162a8a3e4b0b43dc786c773b72e3e77a0b4b',
    'part-00015.arrow': '578ae0020131bfd940d6f923e000bc8af4b9eaeb3934d675efd4e81caa18fd31',
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
