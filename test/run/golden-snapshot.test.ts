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
    'part-00000.arrow': '9582cad9bd864bcc89954152b0ea3ee516c46727504c9c7847a5588b0311c1b1',
    'part-00001.arrow': '093c72cc9ef9927651b6926455c2e97143c8df07932aa144903699fa05a09223',
    'part-00002.arrow': '2e2c50945ea4649e8a0a6cf8f498365a5791f191ca76caad6aab9e28e315b47b',
    'part-00003.arrow': 'ba29f992dea68b28ea2e628ade2ef1b30ee06d9abad68e96c109d670027be526',
    'part-00004.arrow': 'ed1bb0560f7197b7cdd13c3f3b7495b447a178de5c63ea9b811086ecf94f8f6f',
    'part-00005.arrow': 'a809cececff5199048ae0802b016a815a3383c87e23a7ac3caca48f1bbe7bc26',
    'part-00006.arrow': '0e79afade8528a26f55da55f72172fafd6ef13412b6c0cd1f0488070b8ef5072',
    'part-00007.arrow': 'f057046ffa9b79d550a6cac2ba529d9d6c1484b2618ea2e182291ce6f764c7db',
    'part-00008.arrow': '207d55dbf9670b8614a651f136f86546898720b706ac6dbf3910af47b9e20ba2',
    'part-00009.arrow': 'b5d9dd1058d6d71b23b141269d325d367f70763345ddd4aa5cf217b781710e43',
    'part-00010.arrow': '76b2c6870c924adec9e8f3774ab2a30f0298485fa131e0c5c24996029ec08154',
    'part-00011.arrow': '0a2d1aada8d4100730528a9469096311bfc5a47369db396c65c3a68b3e69a18d',
    'part-00012.arrow': 'fa5b14dcf32566aea960673af84ce5b5e3272614a26478cb313fb10929274ff8',
    'part-00013.arrow': '9675fc1745eabb0301bcf4c44f1558592c66783ab7858a386b7d6b4c1e998425',
    'part-00014.arrow': '15d689ff59e5815ec217f3a875702b736e97e6ab0277485fa903720b54b3f408',
    'part-00015.arrow': '99baf8f35f34ead9ad28d4ee79f9a8863bea7c78b5b2e9cbaae5bd432fb16fed',
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
