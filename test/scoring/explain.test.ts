import { describe, expect, it } from 'vitest';
import { explainRow } from '../../src/scoring/explain.ts';
import { Reason } from '../../src/scoring/reasons.ts';
import { score } from '../../src/scoring/score.ts';
import { defaultSpec } from '../../src/scoring/spec.ts';
import { makeFixture } from './fixtures.ts';

describe('explainRow', () => {
  const spec = defaultSpec();
  const out = score(makeFixture({ seed: 21, markets: 2, tracksPerMarket: 200, licensors: 6, capacityScale: 0.02 }), spec, {
    asOf: '2026-11-25',
    seed: 's',
  });
  const rows = out.table.toArray().map((r) => r.toJSON() as Record<string, unknown>);
  const marketOf = (r: Record<string, unknown>) => out.allocation.markets.find((m) => m.market === r.market)!;

  it('explains a promoted row with the prices it faced and its boost', () => {
    const r = rows.find((x) => (x.share as number) > 0)!;
    const e = explainRow(r, marketOf(r), spec);
    const surf = marketOf(r).surfaces.find((s) => s.surface === r.surface)!;
    expect(e.json.eligible).toBe(true);
    expect((e.json.prices as { capacity: number }).capacity).toBe(surf.capacity_price);
    expect((e.json.allocation as { share: number }).share).toBe(r.share);
    expect((e.json.counts as { impressions: number }).impressions).toBe(r.impressions);
    expect((e.json.prior as { skip: { alpha: number } }).skip.alpha).toBe(r.skip_prior_alpha);
    expect(e.text).toContain(`${r.track_id} in ${r.market} on ${r.surface}`);
    expect(e.text).toMatch(/prices it faced: surface capacity/);
    expect(JSON.parse(JSON.stringify(e.json))).toEqual(e.json);
  });

  it('says in plain words why an ineligible row was not promoted', () => {
    const r = rows.find((x) => ((x.reason as number) & Reason.TRACK_TOO_NEW) !== 0)!;
    const e = explainRow(r, marketOf(r), spec);
    expect(e.json.eligible).toBe(false);
    expect(e.text).toContain('not eligible for promotion');
    expect(e.text).toContain('released too recently');
    expect((e.json.reasons as { name: string }[]).map((x) => x.name)).toContain('TRACK_TOO_NEW');
  });

  it('names the binding constraints', () => {
    const r = rows.find((x) => ((x.reason as number) & (Reason.SURFACE_CAP_BINDING | Reason.LICENSOR_CAP_BINDING)) !== 0)!;
    const e = explainRow(r, marketOf(r), spec);
    expect((e.json.constraints as { binding: boolean }[]).some((c) => c.binding)).toBe(true);
    expect(e.text).toMatch(/binding constraints in its groups: .*(surface capacity|licensor share cap)/);
  });

  it('says why a paced row has no lower bound', () => {
    const paced = rows.filter((x) => (x.daily_impression_target as number) > 0 && (x.upper as number) > 0);
    const over = paced.find((x) => (x.skip_excess as number) > 0)!;
    expect(over.pacing_floor).toBe(0);
    expect(explainRow(over, marketOf(over), spec).text).toContain('over the skip budget on its own');
    const floored = paced.find((x) => (x.pacing_floor as number) > 0)!;
    expect(explainRow(floored, marketOf(floored), spec).text).toContain("counts toward the campaign's lower bound");
  });
});
