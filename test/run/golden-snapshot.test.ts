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
    'part-00000.arrow': '85a38f03c53bc8b0a576b921ea744b917f73713ec8265de78ce342245017f8cf',
    'part-00001.arrow': 'ab4cf7d9dda47534d95736b23dc63d2d37d8dc884e2adbe62e7c7a31bc574f3e',
    'part-00002.arrow': '25347dac1cd03cde722a9a034cc32b6b5cfb1ff44cee7bdf302971eb5f360b74',
    'part-00003.arrow': 'ff9d28127d57337ada1c90c32f14fd35d6b5b97b965f500d7f87386d016df002',
    'part-00004.arrow': 'b4a0303bf3ff09a3b9090ac23ebf06d755bd1acdc059d3d504b624142427370a',
    'part-00005.arrow': 'a4ee1ee13fd44c3a9ca832afad23bbe9c418958c585854401bcccac7e4f9c727',
    'part-00006.arrow': '753bd49266142cc1a08b0a18443ad1aa425a8d3de7bc5e835b76beb91d8fe90a',
    'part-00007.arrow': '684976a00defef7f0761ea8d79dafda17032e1dad8d2ef4c59ffc034b9e59f8e',
    'part-00008.arrow': '702183ae144f92b6fd414f0c2a5862f8248f433780f94f9f48453d7a6d736dd6',
    'part-00009.arrow': '8028f37124d654e11aa845fa4677d42c8a7da22fdedddda6e229fe600740ce7e',
    'part-00010.arrow': '7f860fbd65f51d3382e28d30d759c0daa99b2fa57317f0036a375f2f5a00a017',
    'part-00011.arrow': 'dc95cc20a065e5de58a5fcce5a77694303f7a7a45e8783da0b03070c39de3ecf',
    'part-00012.arrow': '644ed4b99d6a4c1fe7452a42d692523bb0e1116c22c3fb41f64bfef479017448',
    'part-00013.arrow': 'e53b3a99f867fa51d69e91a5c8e3f6e138f5f21eec82d8081b3981d8f0a2a967',
    'part-00014.arrow': '93f66ff6b32d1dd7c7e26af83a462d3af89926a1371d518dbd630ade287b00c0',
    'part-00015.arrow': '2d73492da952c260c6cf1e8e85a5d41edb6d62596f860f46c759c3320fb03b72',
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
