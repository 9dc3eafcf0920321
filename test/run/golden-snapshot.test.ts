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
  version: '20261120-0b52ab477fda',
  shards: {
    'part-00000.arrow': '72ea91b209b19af153c705fdaea366377ba483dcef9b6c068e4a6ceb42215f78',
    'part-00001.arrow': '6d8383d32fce96d1a3085106b509b27f388f25fae641c280c5e65a173c809a20',
    'part-00002.arrow': 'baed6a7ec5f358198b3c3ac636248e48c43d89ec678e5eaec9b2347d594b205a',
    'part-00003.arrow': '57f6f0d5a3b3b87ee144f1e5d76c5251129d46d245eb4203c9b40340339c0a6c',
    'part-00004.arrow': 'e769405da1a35b04097c69ec608756a70210bca937d64ab83eb9071b25e47100',
    'part-00005.arrow': 'b874033dcc49fec73dc03902f68a8d15f24d38789aa67cc22ba25f248547753d',
    'part-00006.arrow': '0e3cb1c58d4e7e41b8f0c28d401b5185dfd39550142b2651e529c404503d250c',
    'part-00007.arrow': '222904c13ed1d6a9f87eeeae71b67b391e52222be9205a539abc4f7268ec38a3',
    'part-00008.arrow': 'cb056f1e6d9af3e54f9b49add0431ddcc268cc34e32ef167289dbe0df5e1940d',
    'part-00009.arrow': 'eb342d5bf9a1d18de1216e2c88a07922cbee961ed8d5b225fa0d314e39608cf9',
    'part-00010.arrow': '0bd015a6fc9d9128e5198c0ee10d78d471de42a64181aecf804484d8efee2e7d',
    'part-00011.arrow': 'e51b6aade6fd48876c3d2620e5e5b3590cbc4ff4b47bd9a7954df51a42f0e5b0',
    'part-00012.arrow': '68074ba99c0581d9f406f9ebf06f8b6cda0eb1b63de9b60720ca01a3c05afb87',
    'part-00013.arrow': '6001b86a9cbbbd6d31d462300782c04914ad16f653d0bdf5ad14a791d0ad704a',
    'part-00014.arrow': '7ba42db7e577923dedb1e4cc98dab0e10387149463184a99f1f4d67b7d9ef9d1',
    'part-00015.arrow': 'af841aa6a00ae452a3a2817dc3bb1ad12cef581bd8bcdd5706b1e9ac2a143335',
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
