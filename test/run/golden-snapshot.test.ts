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
    'part-00000.arrow': '2127d94c0a45cb94882cfb1c6753cb2e97c24739b6d5927424ca8bcc8f645be6',
    'part-00001.arrow': '5545ddd71d5212b23872810a0f720cdbe1f32c436cfd48a82811088263c6ad59',
    'part-00002.arrow': '254b8b6901a3d64cc623ae76993c7fc2d59365d04d51ae88bfe05ce4cd2a139c',
    'part-00003.arrow': '657bd42a3e917ab02175e61032c9f66b2b6c0c5be7a9ddc980c7b55746d97aa2',
    'part-00004.arrow': 'e1f91b7391b44507065faf22ad7bd348ef1155a5db4f1167b4d4ac886863eb0f',
    'part-00005.arrow': '5d38c88c627c937dfaad477fe655ffdaf2beb72d3d1ba91810b65a00cbfb2691',
    'part-00006.arrow': '2d2abd7bec721faa28b4233e4830d72c4ae7255e5cc6f788748c6a673db09a01',
    'part-00007.arrow': 'eec98b35214767a226ff45951755ff4c45df1fd97603b2be33e911708ec2ddab',
    'part-00008.arrow': '532298a451bb286ada3791e4188d4d2355eddf63b0893c212bee332b933c19b2',
    'part-00009.arrow': 'cbb0ce9ab5aa59b569469c96ccb182c7d693c87f3eca5503f8f9c8b7d0daeb49',
    'part-00010.arrow': 'cb9a9bf9f51449a641281465b129b2933654ad3a239ac21387185ed59b43aa2d',
    'part-00011.arrow': '91fdfedbcab552b02ce94b49479352f41b5621943f3858c3af1d5bae84703e78',
    'part-00012.arrow': 'e0a800c97162dcc281e1c724aa1f86729329979017b003704be79361cf1c28e8',
    'part-00013.arrow': 'f19df998bed6fba4e250fc1e4f1e3c13b593adab867087b6efdfad8a7f0edb22',
    'part-00014.arrow': '654790d7ec0cc7898a318839863e2fc7d489a3c09c013d4f40537b1947ccfe96',
    'part-00015.arrow': '5e6c7f8868608ce7c5ae0d37b58444fdb827b7aa53d40aeab477df20f9e9a711',
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
