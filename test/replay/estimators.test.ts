import { Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { loggedDay } from '../../src/replay/logged.ts';
import { bootstrap, percentileInterval, quantile } from '../../src/replay/bootstrap.ts';
import { direct } from '../../src/replay/direct.ts';
import { estimateHorizon, horizonValue } from '../../src/replay/estimate.ts';
import { joinHorizon, keyWeight, newIndex, type LoggedRow } from '../../src/replay/join.ts';
import { emptyRows, type ReplayRows } from '../../src/replay/rows.ts';
import { snips } from '../../src/replay/snips.ts';
import { summarize } from '../../src/replay/summarize.ts';
import { mulberry32 } from '../../src/core/rng.ts';

function rowsOf(list: Array<Partial<{ block: number; group: number; planned: number; weight: number; impressions: number; increment: number }>>): ReplayRows {
  const r = emptyRows(list.length);
  list.forEach((x, i) => {
    r.block[i] = x.block ?? i;
    r.group[i] = x.group ?? 0;
    r.planned[i] = x.planned ?? 0;
    r.weight[i] = x.weight ?? NaN;
    r.impressions[i] = x.impressions ?? 0;
    r.increment[i] = x.increment ?? 0;
  });
  r.n = list.length;
  return r;
}

describe('SNIPS', () => {
  it('matches a hand-computed example: n · Σ w·r / Σ w over the supported rows', () => {
    // weights 1/propensity of matched rows, 0 for a mismatch; the last row has no support (NaN) and the
    // one before it is not promoted by the replayed allocation: neither enters
    const rows = rowsOf([
      { planned: 10, weight: 2, increment: 1, impressions: 5 },
      { planned: 10, weight: 0, increment: 5, impressions: 5 },
      { planned: 10, weight: 4, increment: -2, impressions: 5 },
      { planned: 10, weight: 1, increment: 3, impressions: 5 },
      { planned: 0, weight: 1, increment: 100, impressions: 50 },
      { planned: 10, weight: NaN, increment: 7, impressions: 5 },
    ]);
    const s = snips(rows);
    expect(s.rows).toBe(4);
    expect(s.matched).toBe(3);
    expect(s.weightSum).toBe(7);
    expect(s.value).toBeCloseTo((4 * (2 * 1 + 4 * -2 + 1 * 3)) / 7, 12);
  });

  it('weights rows by their block multiplicity', () => {
    const rows = rowsOf([
      { block: 0, planned: 1, weight: 2, increment: 1 },
      { block: 1, planned: 1, weight: 1, increment: 4 },
    ]);
    // block 0 twice, block 1 not at all: n = 2, Σw = 4, Σwr = 4
    expect(snips(rows, Float64Array.from([2, 0])).value).toBeCloseTo(2, 12);
  });
});

describe('direct method', () => {
  it('values rows without logged propensities at the group increment per promoted impression, pooled when the group has none', () => {
    const rows = rowsOf([
      // logged promoted outcomes of group 0 (not promoted by the replayed allocation): −5 saves over 100 impressions
      { group: 0, impressions: 60, increment: -4 },
      { group: 0, impressions: 40, increment: -1 },
      // logged outcomes of group 2: +3 over 50
      { group: 2, impressions: 50, increment: 3 },
      // the replayed allocation's rows, no propensities (NaN): group 0, and group 1 that has no outcome
      { group: 0, planned: 40 },
      { group: 1, planned: 30 },
    ]);
    const d = direct(rows, 3, () => true);
    const pooled = (-5 + 3) / 150;
    expect(d.value).toBeCloseTo(40 * (-5 / 100) + 30 * pooled, 12);
    const e = estimateHorizon(rows, 3);
    expect(e.estimate).toBeCloseTo(d.value, 12);
    expect(e.method_mix).toEqual({ snips: 0, direct: 1 });
    // neither promoted key-day has its own logged promoted outcome
    expect(e.coverage).toBe(0);
  });

  it('takes over the supported rows too when none of them matched (Σ w = 0)', () => {
    const rows = rowsOf([
      { group: 0, planned: 10, weight: 0, impressions: 10, increment: -1 },
    ]);
    const e = estimateHorizon(rows, 1);
    expect(e.estimate).toBeCloseTo(10 * -0.1, 12);
    expect(e.method_mix.direct).toBe(1);
    expect(e.coverage).toBe(1);
  });

  it('is what a horizon without any logged snapshot gets, and the coverage counts key-days with outcomes', () => {
    const index = newIndex();
    const rows = joinHorizon(
      {
        firstDay: 100,
        days: 2,
        allocation: [
          { track: 'a', market: 'SE', surface: 'radio', campaign: 'c1', share: 1, headroom: 20 },
          { track: 'b', market: 'SE', surface: 'radio', campaign: 'c2', share: 0.5, headroom: 20 },
        ],
        logged: [null, null],
        outcomes: [
          { day: 0, track: 'a', market: 'SE', surface: 'radio', promoted: true, impressions: 10, saves: 1 },
          { day: 0, track: 'z', market: 'SE', surface: 'radio', promoted: false, impressions: 1000, saves: 50 },
          { day: 1, track: 'z', market: 'SE', surface: 'radio', promoted: false, impressions: 1000, saves: 50 },
        ],
      },
      index,
    );
    const e = estimateHorizon(rows, index.groups.size);
    // increment per promoted impression: (1 − 10·0.05)/10 = 0.05; planned 20 + 10 per day, two days
    expect(e.estimate).toBeCloseTo(60 * 0.05, 12);
    expect(e.method_mix).toEqual({ snips: 0, direct: 1 });
    expect(e.coverage).toBeCloseTo(20 / 60, 12);
    expect(e.n).toBe(4);
  });
});

describe('logged support (keyWeight)', () => {
  const row = (share: number, action: number, propensity: number, eligible = true): LoggedRow => ({ track: 't', market: 'm', surface: 's', campaign: 'c', share, action, propensity, eligible });
  it('weights a matched action by 1/propensity, a drawable mismatch by 0, and gives no support to a share the design could not publish', () => {
    expect(keyWeight(new Map([['c', 1]]), new Map([['c', row(0, 1, 0.025)]]), 0.05)).toBeCloseTo(40, 9);
    expect(keyWeight(new Map([['c', 1]]), new Map([['c', row(1, 0, 0.025)]]), 0.05)).toBe(0);
    expect(keyWeight(new Map([['c', 0.4]]), new Map([['c', row(0.4, 0.4, 0.95)]]), 0.05)).toBeCloseTo(1 / 0.95, 9);
    expect(keyWeight(new Map([['c', 0.4]]), new Map([['c', row(0.7, 0.7, 0.95)]]), 0.05)).toBeNaN();
    // no holdout: only the LP's own share is supported
    expect(keyWeight(new Map([['c', 1]]), new Map([['c', row(0, 0, 1)]]), 0)).toBeNaN();
    // an ineligible logged row never carries a boost
    expect(keyWeight(new Map([['c', 1]]), new Map([['c', row(0, 0, 1, false)]]), 0.05)).toBeNaN();
    // a promoted row missing from the log has no support; an unpromoted one is trivially matched
    expect(keyWeight(new Map([['c', 1]]), new Map(), 0.05)).toBeNaN();
    expect(keyWeight(new Map([['c', 0]]), new Map(), 0.05)).toBe(1);
  });
});

describe('block bootstrap', () => {
  const sample = (blocks: number, seed: number) => {
    const rand = mulberry32(seed);
    return rowsOf(Array.from({ length: blocks }, (_, b) => ({ block: b, planned: 1, weight: 1, impressions: 1, increment: rand() * 10 - 3 })));
  };
  const interval = (rows: ReplayRows, blocks: number, seed: number) => {
    const s = summarize([rows], { groups: 1, blocks, replicates: 300, seed });
    return s.total;
  };

  it('is deterministic per seed', () => {
    const rows = sample(200, 1);
    const a = bootstrap({ blocks: 200, replicates: 50, seed: 9 }, (m) => [snips(rows, m).value]);
    const b = bootstrap({ blocks: 200, replicates: 50, seed: 9 }, (m) => [snips(rows, m).value]);
    const c = bootstrap({ blocks: 200, replicates: 50, seed: 10 }, (m) => [snips(rows, m).value]);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(JSON.stringify(interval(rows, 200, 3))).toBe(JSON.stringify(interval(rows, 200, 3)));
  });

  it('gives a wider interval, relative to the estimate\'s scale, with fewer blocks', () => {
    // the mean increment per row is the same; with 16× fewer blocks the relative half-width is about 4× larger
    const many = interval(sample(1600, 2), 1600, 4);
    const few = interval(sample(100, 2), 100, 4);
    const rel = (e: { ci_low: number; ci_high: number; n: number }) => (e.ci_high - e.ci_low) / e.n;
    expect(rel(few)).toBeGreaterThan(2.5 * rel(many));
    expect(many.ci_low).toBeLessThan(many.estimate);
    expect(many.ci_high).toBeGreaterThan(many.estimate);
  });

  it('takes percentiles by linear interpolation', () => {
    expect(quantile([3, 1, 2, 4], 0.5)).toBe(2.5);
    expect(percentileInterval([0, 10, 20, 30, 40], 0.5)).toEqual([10, 30]);
  });
});

describe('joinHorizon', () => {
  it('gives the same rows whatever order the warehouse returned the outcomes in', () => {
    const outcomes = [] as Parameters<typeof joinHorizon>[0]['outcomes'][number][];
    const allocation = [] as Parameters<typeof joinHorizon>[0]['allocation'][number][];
    const rand = mulberry32(11);
    for (let t = 0; t < 30; t++) {
      // the last ten tracks have outcomes only: the direct method's pool
      if (t < 20) allocation.push({ track: `t${t}`, market: t % 2 ? 'SE' : 'DE', surface: 'radio', campaign: 'c', share: t % 3 ? 1 : 0.5, headroom: 10 + t });
      for (let d = 0; d < 3; d++) {
        for (const promoted of [false, true]) {
          outcomes.push({ day: d, track: `t${t}`, market: t % 2 ? 'SE' : 'DE', surface: 'radio', promoted, impressions: 50 + Math.floor(rand() * 50), saves: Math.floor(rand() * 5) });
        }
      }
    }
    const shuffled = [...outcomes];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    const input = { firstDay: 10, days: 3, allocation, logged: [null, null, null] };
    const a = joinHorizon({ ...input, outcomes }, newIndex());
    const b = joinHorizon({ ...input, outcomes: shuffled }, newIndex());
    expect(b).toEqual(a);
  });
});

describe('loggedDay', () => {
  const snapshot = (propensity: number[]) =>
    new Table({
      track_id: vectorFromArray(['a', 'b'], new Utf8()),
      market: vectorFromArray(['SE', 'SE'], new Utf8()),
      surface: vectorFromArray(['radio', 'radio'], new Utf8()),
      campaign_id: vectorFromArray(['c', 'c'], new Utf8()),
      share: makeVector(Float64Array.from([1, 0.5])),
      boost: makeVector(Float32Array.from([2, 1.5])),
      upper: makeVector(Float64Array.from([1, 1])),
      propensity: makeVector(Float32Array.from(propensity)),
    });

  it('reads the published action and propensity of every row', () => {
    const day = loggedDay(snapshot([0.975, 0.95]), 'snapshot v', 0.05, 2);
    expect(day.rows.map((r) => [r.track, r.share, r.action, r.propensity, r.eligible])).toEqual([
      ['a', 1, 1, Math.fround(0.975), true],
      ['b', 0.5, 0.5, Math.fround(0.95), true],
    ]);
  });

  it('an eligible row that logs propensity 1 under a holdout (over the skip budget) cannot be drawn', () => {
    const day = loggedDay(snapshot([0.975, 1]), 'snapshot v', 0.05, 2);
    expect(day.rows.map((r) => r.eligible)).toEqual([true, false]);
    // so a replayed 0 or 1 on it has no support unless it is the row's own share
    expect(keyWeight(new Map([['c', 1]]), new Map([['c', day.rows[1]]]), 0.05)).toBeNaN();
    expect(keyWeight(new Map([['c', 0.5]]), new Map([['c', day.rows[1]]]), 0.05)).toBe(1);
  });

  it('refuses a propensity outside (0, 1], naming the snapshot, the column and the row', () => {
    expect(() => loggedDay(snapshot([0.975, 0]), 'snapshot v', 0.05, 2)).toThrow(/snapshot v: column propensity is 0 at row 1 \(track_id=b market=SE surface=radio campaign_id=c\)/);
  });
});

describe('horizonValue', () => {
  it('is the estimate of estimateHorizon, with and without multiplicities', () => {
    const rows = rowsOf([
      { block: 0, group: 0, planned: 10, weight: 2, increment: 1, impressions: 5 },
      { block: 1, group: 0, planned: 10, weight: 0, increment: 5, impressions: 5 },
      { block: 2, group: 1, planned: 20, weight: NaN, increment: 0, impressions: 0 },
      { block: 2, group: 1, planned: 0, weight: NaN, increment: -3, impressions: 30 },
    ]);
    expect(horizonValue(rows, 2)).toBe(estimateHorizon(rows, 2).estimate);
    const m = Float64Array.from([2, 0, 1]);
    expect(horizonValue(rows, 2, m)).toBe(estimateHorizon(rows, 2, m).estimate);
  });
});
