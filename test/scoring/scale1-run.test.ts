import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observability/log.ts';
import { runJob } from '../../src/run/run-job.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { readVersionTable } from '../../src/snapshot/snapshot-reader.ts';
import { openStore } from '../../src/store/open.ts';
import { INELIGIBLE_SCORE, rankerScores } from '../../src/scoring/ranker-score.ts';
import { Reason } from '../../src/scoring/reasons.ts';

/**
 * Properties of a whole scale-1 run of the sample. The published score is what a ranker sorts by:
 * every ineligible row below every eligible one, and each eligible row's score on the side of its
 * share (boosted >= 0, unallocated <= 0, positive only with a full boost). Campaign pacing sees
 * campaigns both behind and ahead of their target so far.
 */
const root = mkdtempSync(join(tmpdir(), 'promoscore-ranker-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('ranker score', () => {
  it('clamps the net value to the side of its share; ineligible rows get the lowest float32', () => {
    const net = Float64Array.from([0.3, -0.2, 0.1, -0.1, 0.4, -0.3, 5]);
    const share = Float64Array.from([1, 1, 0.5, 0.5, 0, 0, 0]);
    const upper = Float64Array.from([1, 1, 1, 1, 1, 1, 0]);
    const s = Array.from(rankerScores(net, share, upper));
    expect(s.slice(0, 6)).toEqual([Math.fround(0.3), 0, 0, 0, 0, Math.fround(-0.3)]);
    expect(s[6]).toBe(INELIGIBLE_SCORE);
    expect(Math.fround(INELIGIBLE_SCORE)).toBe(INELIGIBLE_SCORE);
    expect(Object.is(s[1], -0)).toBe(false);
  });

  it('over every row of a scale-1 run: ineligible below eligible, score and share agree in sign', async () => {
    const sample = join(root, 'sample');
    await generateSample({ outDir: sample, scale: 1, seed: 1, asOf: '2026-11-25' });
    const store = pathToFileURL(join(root, 'store')).href;
    const res = await runJob(
      { warehouse: `parquet:${sample}`, store, notify: pathToFileURL(join(root, 'outbox.ndjson')).href, asOf: '2026-11-25', reportDir: null },
      silentLogger,
    );
    const { table } = await readVersionTable(await openStore(store), 'promo_scores', res.version);
    const score = table.getChild('score')!.toArray() as Float32Array;
    const share = table.getChild('share')!.toArray() as Float64Array;
    const upper = table.getChild('upper')!.toArray() as Float64Array;
    const reason = table.getChild('reason')!.toArray() as Uint32Array;
    let minEligible = Infinity;
    let maxIneligible = -Infinity;
    let eligible = 0;
    let ineligible = 0;
    const disagree: number[] = [];
    for (let r = 0; r < table.numRows; r++) {
      if (!(upper[r] > 0)) {
        ineligible++;
        maxIneligible = Math.max(maxIneligible, score[r]);
        continue;
      }
      eligible++;
      minEligible = Math.min(minEligible, score[r]);
      if (share[r] > 0 && score[r] < 0) disagree.push(r);
      if (share[r] === 0 && score[r] > 0) disagree.push(r);
      if (score[r] > 0 && !(reason[r] & Reason.FULL_BOOST)) disagree.push(r);
    }
    expect(eligible).toBeGreaterThan(10_000);
    expect(ineligible).toBeGreaterThan(1_000);
    expect(maxIneligible).toBeLessThan(minEligible);
    expect(disagree).toEqual([]);

    let behind = 0;
    let ahead = 0;
    for (let r = 0; r < table.numRows; r++) {
      if (reason[r] & Reason.PACING_BEHIND) behind++;
      if (reason[r] & Reason.PACING_AHEAD) ahead++;
    }
    expect(behind).toBeGreaterThan(0);
    expect(ahead).toBeGreaterThan(0);
  }, 600_000);
});
