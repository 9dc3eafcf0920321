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
    'part-00000.arrow': '3326e71004ed5f005f0c94f3d0a3c6ac73d8f83adc276c6ae8648409b38dd407',
    'part-00001.arrow': 'ff461853af5c0b2eedebc877bdd398f2ccb137eaeb16df4c494acb4f915a9218',
    'part-00002.arrow': '5791a5d788711ed93559db99ee20471204279481aecaaea102968a076dca6758',
    'part-00003.arrow': 'e3d16eebdfdec99f0e2c7d3011ce5c820e76de7edd9c7ef6b6e4f23337229b7d',
    'part-00004.arrow': '0a886d538c72faec5fcb4a14507eaf9fd99bb941c77cf0e73a0f21005c4578ac',
    'part-00005.arrow': '4777658598467ac2d8f7e8a0b0edea9fc6009b073bcc0b7aa52c24ed43b43ba5',
    'part-00006.arrow': 'f23ee5f69fd6af104e1d7922a404fb5ed963ba785c001436796d3c12363e76f4',
    'part-00007.arrow': '5fd2a3edecb8859ec269d316695ca064a1c80b93dc6ceca245536f1fd1d0b044',
    'part-00008.arrow': '13aecba44580fd7a2f7f2d90576e4008140348c22acc3aace528c468600dc5b1',
    'part-00009.arrow': '831b366771eb617f4a83a2b4734c7472fa72cfde18936aec849350bfc74883bf',
    'part-00010.arrow': '690d6092a8394769a859c709e73f610c9ff378b0c7f0c2f9c7c402d61b8ea6fb',
    'part-00011.arrow': '68951df7d0335f3faeabed490cea8ceea29e269f2cd07fb5f2432193c8a2b24b',
    'part-00012.arrow': '2e093a3d5b584835c442db05a553d2473de3ee0391dcffaca6c9d0dec23c24f6',
    'part-00013.arrow': '4cc829c5a407b4247999bdd97b46709f36eb1427a4dfb0fc07c5e62ce4f86f97',
    'part-00014.arrow': 'c4cc2bcea3fbccead03f877158a5a647f57310dfe57cee357ef8b24edba92c30',
    'part-00015.arrow': 'e1f2e3449cf91323695b3a2bc2afda41330e532afde97bce66a311087a4892b2',
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
