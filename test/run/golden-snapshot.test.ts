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
  version: '20261120-00f78334b6ab',
  shards: {
    'part-00000.arrow': '07142cffad8cf7713c5723d7ac025e11c34bf3b1aea67db75fbe0accb5480f0b',
    'part-00001.arrow': 'd1b0e385905ab9a93dc562ef05034e00af07832e68c544924f09ca53e26816c3',
    'part-00002.arrow': '5daf853bf4f9b82ce294379b8ef04a0e87d5887ba7bf5a301c589bd76c683ce1',
    'part-00003.arrow': '3fa2538f1defac3e7a12e614eb47bc0651f8249eae59b39dbd3981cbaf7e31e2',
    'part-00004.arrow': 'ba751c58abeef1f8ba58a77a213aff8605196b2350ab492485f41d9cf0a634f5',
    'part-00005.arrow': '8304075ba3debf4479a2c84e81771b892341e3dde87d3bb7a965b03863d21c10',
    'part-00006.arrow': '0a3df89339f9fc563445a7afd13a0af97088deb32c642b1249e06200804ee214',
    'part-00007.arrow': 'f5ab8d20b1cd6259c4fd3bc0d59419db9989d57cc1210dcff02406533acab92e',
    'part-00008.arrow': 'a5a775c5b14c27d6105bab41c954af865875392ac922edb11e9936374c471172',
    'part-00009.arrow': '344d1ec69eae05207118f6d3ed8b768617a39d89ce35770b5c25c9d97f87cbe1',
    'part-00010.arrow': 'e2deb965994b1980b07a8e976dc2b98d1f7ce56ea17617396437e62484c90001',
    'part-00011.arrow': 'f69394933a2ecf6196bb20236e09876703148de2b6b0b902d00e325c1d1046f5',
    'part-00012.arrow': '26b050dc66f83a0943af56aeac0a2a137500a49c0a6a2bf4054db79ec3fb0a08',
    'part-00013.arrow': '93acf5afe515e33d88f38dce3914241c6afc4e06bb314a1a0223bb8ca72665dd',
    'part-00014.arrow': '15c0df4f6e0b649afbafb8e9980d56929f1c6091bc34eeb636003371646279d8',
    'part-00015.arrow': '80f884087d10141c7959997abb05e9d447633e709a946bd6c5814acc4eb63403',
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
