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
  version: '20261120-d68286830c56',
  shards: {
    'part-00000.arrow': '7942ef8d9c6362e0f9058fc11123978d46af2b4f8294f65170f4dd6c6e46024c',
    'part-00001.arrow': 'eb7be69f8f071e53f07877ab9e7a7c91aa82aa9040823a5df3ff2e6ccc9bb188',
    'part-00002.arrow': '6d1c7708c92875721da09c10cf7395cc8ae541308b3a26b5ec3c0d6b766a5038',
    'part-00003.arrow': 'f7e3837e899e9b777e7f0d8d9e033d7539189a0f59ab529a7606af79d335ed19',
    'part-00004.arrow': '860716ed47018bd6d0e66ab5202ab6a440eb0de8976f225463594321a10c2ae7',
    'part-00005.arrow': 'b530ed0df517c95201576aecebef8e64cae0bd7c1a7df34e852f21e99644a43b',
    'part-00006.arrow': '2fd3a7aa18bf698039c83d33db706aa8e9b2811fb3bfe384e591ddff6c0b4b88',
    'part-00007.arrow': '1a4414b72283a729106b1b2b286637c260c57764bfac9e45adff8c7247a490e9',
    'part-00008.arrow': '59a9a807fd3dd0283ff9082ebb38352776ef673e90ebdbf06b1b11377aa6b1c9',
    'part-00009.arrow': '5798c9e63acf84ab1e81757bd0bd5ba7aefbec7f3d5f79361d447101371557da',
    'part-00010.arrow': '3aad8e12dd193422cf4121c773186ceb1335f6cb341850b39ab368f8ec622fa1',
    'part-00011.arrow': '77efa5fdd8c88f4ab879ddafc540e4c50364d138e5ea43ebe3d59749bbdc1043',
    'part-00012.arrow': '29f47030149f84c513b78a63a25d8938a7276fd4ae97911fabb0445ccd9bc9c7',
    'part-00013.arrow': 'e7b35e4ae79139ecd26cc122dd03c7a75d20f332a9ccb5acb963be58d552aa16',
    'part-00014.arrow': '78c939a04d53384117193e055c7128c37ca69f2a86cf9dd3901af252c6a052b5',
    'part-00015.arrow': '9b6b3015070130227d82a53852dc92ad095324ae57891c17188440adf38df713',
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
