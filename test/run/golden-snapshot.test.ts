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
    'part-00000.arrow': 'c237d14ee568d0363757e02f223a650ba7e0dbd6adc77453924253822e5ab2b8',
    'part-00001.arrow': '61f60745340ce91ae68eec66a7a37fb33928e2cc2edca8f500bab64c773178f6',
    'part-00002.arrow': 'cbb418583c10a1112368cd8b585070dbc2fcba971451efdfc70134c50e39f265',
    'part-00003.arrow': '285c4ba67620f8f95e5dea48e0afba8a054f13c9969f1839ae50112aeabf08db',
    'part-00004.arrow': 'a83dc8f4b73f85954728483947751c5ab13ddb7859732c52e1e8ae97556e6430',
    'part-00005.arrow': '2501f0bd5404499e595ac48530d8fc74934114f43dc14c5cd15df2b6910524a4',
    'part-00006.arrow': '16a9cf757b8fc58ecfa459274a6af185f987a39b48622614d59e3dd2535b3bd8',
    'part-00007.arrow': 'f341995a04cd53925efd6247f2ed9205076fe643fb45bc95b015cfa962eb2a01',
    'part-00008.arrow': 'fe6f21fad015e071c75c843a2114c51fd03e5d2cc05ab36504788533ca7b7389',
    'part-00009.arrow': 'f9b6aa8ad9ee6e7b0dd0ecdfe19630f3ea916f2b5564501a97c62dcf5122b316',
    'part-00010.arrow': '28736148da4761c2b22f5db38e58423b28dbc3d9c589c5df321a5544f72d12f6',
    'part-00011.arrow': '9a3694f52cf66cd813eb8ec1b04bd07f9975111d085c7b2f540f84065fc42bed',
    'part-00012.arrow': 'e3e6016dbf62cbd88f056e8eaf35a30a2b0319cfa05504a5c58ac1d38c905752',
    'part-00013.arrow': 'e0434d6ec4bc80aaa44576ec1bce13b0a600fcd5f047aab3781c522092dcceb7',
    'part-00014.arrow': '6d33e5a061cfe5c9a72d138ab5323b14a2f6cc8fe46425602d8b879bc8bf8279',
    'part-00015.arrow': '721cd083b8dc0c4b320d952e4ed48512960816e3e1e35e6d5454dd9be25b557b',
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
