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
    'part-00000.arrow': 'c24f5834ed80d36eebc31d945202caf6641f9f3903eaf111df49aa485d6d791a',
    'part-00001.arrow': 'e1bebb6ecd247dd3fabd89be2d295c5f2992eca170be2a333d7055e2420ceb41',
    'part-00002.arrow': '6ad458856f7659e3ca34dda07efa0d938673b1b465311d2725966b4339ef328f',
    'part-00003.arrow': '18691c142e1da4291de1de77ac0d7bdffeecaa38a9685b759afa5b5793ebbe05',
    'part-00004.arrow': '08cfa6b09550edfb7119ad03ec4a11f0145fcdb6bdff2bb97182510fa7977e32',
    'part-00005.arrow': '43a061d69a3ecf2e53d82fb026bfd9b22a659f8e7fff07dfab55e6836585c1d5',
    'part-00006.arrow': '9a5d5ac1cb421dc46533315b2c80c512b80461266de2f512a968126d143c27bd',
    'part-00007.arrow': 'f3af688a44e1cc40e51662d09ac92cfad8aebf0ab1b1cbbc4f71969c53968959',
    'part-00008.arrow': '5dca73e452308497d0d59c6537d29a332dcdac30f6ed5cb294d16816ad6763db',
    'part-00009.arrow': 'bc345fbe1b38d228276a775b82e35fb51cf32e082a42caba925b55484e0ba0f4',
    'part-00010.arrow': 'f5316c5a37cc7c1b043536ee35dc495959823b2250007bff9c7a3bbbc8719fcc',
    'part-00011.arrow': '0d8b8f1db1ebcd5febb9c421b5f5180849c006473cb786b2348870a32f708ed7',
    'part-00012.arrow': '8381a9b2bc2d0f4fdcf73354d9865aa6facce24f5fbd92d1304940bff45eca99',
    'part-00013.arrow': 'd319a16ac75b4ff7248d0d037bf5ca417766500cfb95ca4ab198b86cfc6f25cf',
    'part-00014.arrow': 'd04b22464fc71be005ef6b8898f482a0ddf0f363f472af3a87f54b67338d6891',
    'part-00015.arrow': '2c1eed2084cc8aaafb44bec04a0111f6959f848b8e3b36200ff4e86da193ba24',
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
