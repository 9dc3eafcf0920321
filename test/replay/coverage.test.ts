/**
 * The test that the estimators are honest: on simulated histories, where the truth is known, the
 * replay's 95% intervals must cover the replayed allocation's true incremental saves on at least
 * 18 of 20 seeded worlds (docs/evaluation.md, "Replay").
 */
import { describe, expect, it } from 'vitest';
import { replayedWorld } from './simulated-history.ts';

const SEEDS = Array.from({ length: 20 }, (_, i) => `replay-${i + 1}`);

describe('replay on simulated history', () => {
  it('covers the true incremental saves in its 95% interval on at least 18 of 20 worlds', () => {
    const rows: string[] = [];
    let covered = 0;
    for (const seed of SEEDS) {
      const { truth, summary: s } = replayedWorld(seed, { scale: 0.02, epsilon: 0.3 });
      const ok = s.total.ci_low <= truth && truth <= s.total.ci_high;
      if (ok) covered++;
      expect(s.total.method_mix.snips).toBe(1);
      rows.push(`${seed}: truth ${truth.toFixed(1)} estimate ${s.total.estimate.toFixed(1)} [${s.total.ci_low.toFixed(1)}, ${s.total.ci_high.toFixed(1)}] ${ok ? 'covered' : 'MISSED'}`);
    }
    expect(covered, `${covered}/20 covered\n${rows.join('\n')}`).toBeGreaterThanOrEqual(18);
  });
});
