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
    'part-00000.arrow': 'fbe07edea3d4c5138b51dda8d478d6e23268500c19ca371d0cbc07bec2dafc9a',
    'part-00001.arrow': 'aabcbe7ca30e5d508a2dd6afebc903ebf7d92d961e06625183a724f781c71a4b',
    'part-00002.arrow': '3aaae3990a6c349f7bcf474cfe5773f85c45e553c5d68473aeead5df1dea3154',
    'part-00003.arrow': 'edfc4f43b294015fb445f4611143c1fb08deef1ac2f5b267c0d05d8cf025a0ca',
    'part-00004.arrow': 'e12104155d58af841fdb45a51b74c197fbfdc32813ffbe656ecb3201eb4b2846',
    'part-00005.arrow': '7e9703f6e8540e5984f97158b954078ae6c2df9591f73762b00f14d763335b51',
    'part-00006.arrow': '570a4c70a49aa8b2ab39d1f1d0eb6d5897b5b27abd557d83c0ec9ee7291d94f8',
    'part-00007.arrow': 'f99f20ae0246635d6403267885003e05ca3cb32f0d1abcef644d974358ca75e9',
    'part-00008.arrow': '34e2947abcbe874e684a8baaea553136693a727a0ffe3bb5196c73f961f297ce',
    'part-00009.arrow': '98386ad81d4569ca41227cbb7873072e7d2b78a386384b41438afdb185ae8f4b',
    'part-00010.arrow': '13c1a33723a1e6cec08ed35e888431fa1c007633215e3871bc313fbd4da9d36e',
    'part-00011.arrow': '0c8772ae8f7715cfac91acf5b5f10124f805f2ff9893aa2c949d7e396d164447',
    'part-00012.arrow': '7dc7d17fdd74622ffffdcc3339a1b13e137b2a5843b8c28397ce35b24b401232',
    'part-00013.arrow': '57bac9b880b527e265359262748a4205de20d501dd272d1d74510bec93d6fd59',
    'part-00014.arrow': 'a65beb4e6f982b6d05cbd9085840ec35ec64b9552622c6c7829c9a10858bf38a',
    'part-00015.arrow': 'a602ab1be35210bd3538ecb0b8896b7adcec78b595278902618a3df7d16fecc1',
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
