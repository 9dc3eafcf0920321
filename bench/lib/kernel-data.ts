/** Seeded kernel input rows for the scoring benchmark: 120 (market, surface) groups, rows sorted by group. */
import type { KernelInput } from '../../src/scoring/kernels/fused.ts';
import { rng } from '../../test/scoring/instances.ts';

export const GROUPS = 120;

/** Seeded feature rows; the per-group constants (priors, baseline, capacity) are joined onto every row. */
export function kernelData(n: number): { input: KernelInput; perRow: Record<string, Float64Array> } {
  const rand = rng(12345);
  const col = () => new Float64Array(n);
  const d = {
    campaign_active: col(),
    licensor_active: col(),
    restricted: col(),
    track_age_days: col(),
    commission_rate: col(),
    campaign_expected: col(),
    impressions: col(),
    skips: col(),
    saves: col(),
    promoted_impressions: col(),
    market_streams_28d: col(),
    recent_impressions: col(),
    campaign_delivered: col(),
  };
  const group = new Int32Array(n);
  const ga = Float64Array.from({ length: GROUPS }, () => 2 + rand() * 20);
  const gb = Float64Array.from({ length: GROUPS }, () => 5 + rand() * 40);
  const va = Float64Array.from({ length: GROUPS }, () => 0.5 + rand() * 2);
  const vb = Float64Array.from({ length: GROUPS }, () => 20 + rand() * 80);
  const base = Float64Array.from({ length: GROUPS }, () => 0.2 + rand() * 0.15);
  const cap = Float64Array.from({ length: GROUPS }, () => (rand() < 0.05 ? 0 : 1e5 * rand()));
  for (let r = 0; r < n; r++) {
    group[r] = Math.floor((r / n) * GROUPS);
    d.campaign_active[r] = rand() < 0.9 ? 1 : 0;
    d.licensor_active[r] = rand() < 0.97 ? 1 : 0;
    d.restricted[r] = rand() < 0.03 ? 1 : 0;
    d.track_age_days[r] = Math.floor(rand() * 400) - 10;
    d.commission_rate[r] = 0.05 + rand() * 0.2;
    d.campaign_expected[r] = rand() < 0.5 ? Math.floor(rand() * 3000) : -1;
    const imp = Math.floor(rand() * 20000);
    d.impressions[r] = imp;
    d.skips[r] = Math.floor(imp * (0.15 + rand() * 0.4));
    d.saves[r] = Math.floor(imp * rand() * 0.05);
    d.promoted_impressions[r] = Math.floor(imp * rand() * 0.3);
    d.market_streams_28d[r] = Math.floor(rand() * 50000);
    d.recent_impressions[r] = Math.floor(imp / 4);
    d.campaign_delivered[r] = Math.floor(rand() * 3000);
  }
  const perRow: Record<string, Float64Array> = { ...d, grp: Float64Array.from(group) };
  const join = (name: string, a: Float64Array) => {
    const o = new Float64Array(n);
    for (let r = 0; r < n; r++) o[r] = a[group[r]];
    perRow[name] = o;
  };
  const perRowOf = (a: Float64Array) => Float64Array.from(group, (g) => a[g]);
  join('sa', ga);
  join('sb', gb);
  join('va', va);
  join('vb', vb);
  join('baseline', base);
  join('capacity', cap);
  return {
    input: {
      group, ...d, groupCapacity: cap, groupBaseline: base, groupSaveBaseline: new Float64Array(cap.length),
      skipAlpha: perRowOf(ga), skipBeta: perRowOf(gb), saveAlpha: perRowOf(va), saveBeta: perRowOf(vb),
    },
    perRow,
  };
}

