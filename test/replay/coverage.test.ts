/**
 * The test that the estimators are honest: on simulated histories, where the truth is known, the
 * replay's 95% intervals must cover the replayed allocation's true incremental saves on at least
 * 18 of 20 seeded worlds (docs/evaluation.md, "Replay").
 */
import { describe, expect, it } from 'vitest';
import { joinHorizon, newIndex } from '../../src/replay/join.ts';
import { summarize } from '../../src/replay/summarize.ts';
import { simulatedHistory } from './simulated-history.ts';

const SEEDS = Array.from({ length: 20 }, (_, i) => `replay-${i + 1}`);

describe('replay on simulated history', () => {
  it('covers the true incremental saves in its 95% interval on at least 18 of 20 worlds', () => {
    const rows: string[] = [];
    let covered = 0;
    for (const seed of SEEDS) {
      const horizons = simulatedHistory({ seed, scale: 0.02, asOfs: [0, 3], horizon: 3, epsilon: 0.3 });
      const index = newIndex();
      const joined = horizons.map((h) => joinHorizon({ firstDay: h.firstDay, days: 3, allocation: h.allocation, logged: h.logged, outcomes: h.outcomes }, index));
      const s = summarize(joined, { groups: index.groups.size, blocks: index.blocks.size, replicates: 200, seed: 7 });
      const truth = horizons.reduce((a, h) => a + h.truth, 0);
      const ok = s.total.ci_low <= truth && truth <= s.total.ci_high;
      if (ok) covered++;
      expect(s.total.method_mix.snips).toBe(1);
      rows.push(`${seed}: truth ${truth.toFixed(1)} estimate ${s.total.estimate.toFixed(1)} [${s.total.ci_low.toFixed(1)}, ${s.total.ci_high.toFixed(1)}] ${ok ? 'covered' : 'MISSED'}`);
    }
    expect(covered, `${covered}/20 covered\n${rows.join('\n')}`).toBeGreaterThanOrEqual(18);
  });
});
