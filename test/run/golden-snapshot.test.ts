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
    'part-00000.arrow': '00023e84aaf92b2019af2e03c0579a64d4c31240baf13384b93c0bbb2e0ca38b',
    'part-00001.arrow': '00d050a693d56fbd3678fd3b48608d2630d22bb39fed5230d4bbfadda46b3be9',
    'part-00002.arrow': '66262470e938095eac4fdbe9ad9c8acb78f5d46c41bcb5c71ec781ef913a7011',
    'part-00003.arrow': '4625dbb73223121d52068ff096ffa8217ff270b64fbe25cfd523a192569848e1',
    'part-00004.arrow': 'afafd4a5ce01ecbc5dd5ef6fae3c1a70de73913aef644db1f4865465502ce530',
    'part-00005.arrow': 'd14c6b8c98a45a265aac2e9d2c662b957e399b479dfef72f0a7151a45fdce46e',
    'part-00006.arrow': '5f9e2e02e5ae8a36a9fe4a6fbab8ef5a7a4b7207099d4917b0b848c1286f454f',
    'part-00007.arrow': '6a59eacfb32c02877034fe336e62c7e1466cc8214f757d9d12720c4fd0a57908',
    'part-00008.arrow': '53696714941e487c8c086815d148dd58ac7984f043ef9d8c5051c6844384f583',
    'part-00009.arrow': '740ee4f789ae4971af3d76086bd8cbbc2841229b1cf9acc456f567063358ba5a',
    'part-00010.arrow': '556f3cf5ae2cc8f61e7eee6aba21610439f13441b17900f3f6663c212cee843f',
    'part-00011.arrow': '68a39ddbeee08f14d05310a013fc8df844112d396ea5704a61c91369b458ea3c',
    'part-00012.arrow': '22e16cc63f3d2508b0d9b9cf1dfff6ec7e7538e66ecc2dd6dc171aabb1715717',
    'part-00013.arrow': '4d211b742ae448200ff722559f873dbc5d857590d1435b3028843892c7a464ec',
    'part-00014.arrow': 'de03eb5d8bd85830952c05c8a97e85ecf1decc52a1f73beedc3f4d3df03e1434',
    'part-00015.arrow': '289479abad6c392aa60d6e5ca806ea779d703403892f062c3759e44f0d8cbd03',
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
