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
  version: '20261120-5f582eee3784',
  shards: {
    'part-00000.arrow': '00e0a5bdb45f8671c5c6180055afa383a71d36b2bfc4711b9cbc0ab9c82df24d',
    'part-00001.arrow': '1dfd388e6e8e4ad656fdc0836881015e0dd1cbd6cb77b9f2c7aacaa1d63e9783',
    'part-00002.arrow': '0b182238d19518896e7237014a4d72ed8d97f42ba0624d49029a0d3fb29a214c',
    'part-00003.arrow': 'e4939165a77620fbe90fa50b42abfea1d262566345fa3a733c12165c8b1f829f',
    'part-00004.arrow': '38a0da3652902cffd6abfbb443fe193197a641b2cb4f946b0665a29c0b0ba643',
    'part-00005.arrow': 'cacf143b3047a4753f4ae0b891c0b33b63bc3a33ad191d643cab67d9ce5797fd',
    'part-00006.arrow': '5bf91c6157120771b3bf2bf03ae9a19559548723816a237b36843d5a989775d6',
    'part-00007.arrow': 'e5cfd3f4e184524e1ffe1cac37ed131dc063a4465e195991644faff6355c543b',
    'part-00008.arrow': 'ea5b9b32132f24e46d6947a8e56b3121016acc907c55f33caddfbf71de9e4d74',
    'part-00009.arrow': '49864fbb8c54e7b9575a99f04112280b5cd584c7734bf352c122cdfbe995dc75',
    'part-00010.arrow': '2c8317086b0a656459362588cbc22449333d4affb8dc46c8961a1580a19ce8a6',
    'part-00011.arrow': '24e1baa4cb8376665c22523f17f1d7b911b970f464f7a0b66c1bbbdc4aea31e1',
    'part-00012.arrow': 'ce75861401ad0044c64002b22514c1b058ca9a33341ce8c1ac29716f6bdf2bb2',
    'part-00013.arrow': 'a493f76e73fbaaacab8de68e5932be5f401b89f7480fceb6201c1b09d11ed8ab',
    'part-00014.arrow': '5023024be870bdcd11ec25b850f1b0d462f58a714aa61f7368e78702e0ea4442',
    'part-00015.arrow': 'cdf00dc3f121bad4cedf5d581a711b995122961467eecb06657b1e2af7df18c3',
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
