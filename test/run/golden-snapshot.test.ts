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
  version: '20261120-80804ce33630',
  shards: {
    'part-00000.arrow': 'c1848515ccbc8552db42f6b225da9e586fef8cd30ed87d20599292cca5aee3c8',
    'part-00001.arrow': '74347dbcde2a7da87872d23722fa5d0e6fda46ec1247d8070cbfe74836cab334',
    'part-00002.arrow': '5ef06c89ea1c290de2003982c75119a0e77cb7fe027157e7dfa85bbbdd4b5c1f',
    'part-00003.arrow': '01b8cf874e8865369fcd83f6a4f0b9cfe1995f10fa84947c4464ef08d1e5eebc',
    'part-00004.arrow': '983e9080ec075ad1ad1ba6b65a123e013db2b11dbef429d4a58898ad259dbc84',
    'part-00005.arrow': 'ad5bd8de2a2dc7a028f5b6009de9c5f3780eb1e85cf15bc9e9326d0f7c6c6988',
    'part-00006.arrow': 'c02ad599649499cbf95c7ac4ab9711c13379471f9db64d2686f2f8e5f73e7c16',
    'part-00007.arrow': '0bcd404a81e7aa2e37611cbab5401e1afa73109524fbdcfd921ac998873d58d4',
    'part-00008.arrow': '2b1507bbd27c1dc7fcc5754d3ba9d693dec016cd29724d2340b539bbb2b7d650',
    'part-00009.arrow': '10b540da02f4fe9c319df5fb8ec756b4a753c8d4674f23e9a47c20a3b26cb7f3',
    'part-00010.arrow': 'd655816586ea5a23082bda23acba6c1e66645ef611210cf4baf446d88a0ccd1d',
    'part-00011.arrow': 'fc64ffc3467b64aa2ff77ece5ab21645cc46c84920cfaa95e0700257f7756125',
    'part-00012.arrow': '78dbfc68dfdf7d1b4eebf8ae0b95b38d82ad9c159689a313ccd95c86a2be7bd6',
    'part-00013.arrow': '38eb728fb93580567a31ac7ac38816210f69b3eabee226e1650b2afd985fedad',
    'part-00014.arrow': '4bcc466df131164df3a4ef8be4abab823891d24c2e3fb0c66a106c45edcd1a5d',
    'part-00015.arrow': '9c7e0c8935442d4c70789bdea93f2963da9154089a3fc268d6c7600f78f7fc18',
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
