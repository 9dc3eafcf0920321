import { describe, expect, it } from 'vitest';
import { histogram, sharesFromQuantiles } from '../../src/run/report/histogram.ts';
import { renderRunReport, type ReportData } from '../../src/run/report/render.ts';
import { renderIndex } from '../../src/run/report/index-page.ts';
import { justAbove, settingHint } from '../../src/run/output-gates.ts';
import type { RunResult } from '../../src/run/journal.ts';
import { ELIGIBLE_FLOOR, INELIGIBLE_SCORE } from '../../src/scoring/ranker-score.ts';
import { renderSimulationReport } from '../../src/simulate/report.ts';
import type { SimulationResult } from '../../src/simulate/simulate.ts';

const cert = { primal: 1, dual_bound: 1, gap: 0, max_violation: 0 };
const allocation = {
  tolerance: 1e-4, certificate: cert,
  markets: [{
    market: 'SE', certificate: cert,
    surfaces: [{ surface: 'radio', capacity: 10, skip_baseline: 0.2, skip_tolerance: 0.02, used: 5, capacity_price: 0.75, skip_price: 0.1 }],
    licensor_caps: [{ licensor_id: 'L1', cap: 4, used: 4, price: 0.3 }, { licensor_id: 'L2', cap: 4, used: 1, price: 0 }],
  }],
};

function result(over: Partial<RunResult> = {}): RunResult {
  return {
    status: 'published', exitCode: 0, dataset: 'promo<scores>', version: 'v2', asOf: '2026-11-20', previousVersion: 'v1', rows: 10, manifestUri: 'file:///m',
    storeUri: 'file:///s', runId: 'r', stages: [{ stage: 'score', seconds: 0.5, rows: 10 }], peakRssBytes: 2 ** 20,
    byMarketSurface: [{ market: 'SE', surface: 'radio', rows: 10, promoted: 3 }], promotedRows: 3,
    quality: { input: [{ check: 'range', table: 'engagement_daily', column: 'skips', policy: 'drop', status: 'dropped', offending: 2 }], output: [] },
    ...over,
  };
}

function data(over: Partial<ReportData> = {}): ReportData {
  return {
    result: result(), createdAt: 'now', byMarketSurface: [{ market: 'SE', surface: 'radio', rows: 10, promoted: 3 }],
    previous: { version: 'v1', asOf: '2026-11-19', rows: 4, byMarketSurface: [{ market: 'SE', surface: 'radio', rows: 4, promoted: 1 }] },
    scoreAll: histogram([1, 2, 3, 4], 4), previousScoreShares: [0.25, 0.25, 0.25, 0.25], psi: 0.01,
    scorePromoted: histogram([1, 2, 3]), boostPromoted: histogram([1, 1.5, 2]), allocation,
    skipUse: [{ market: 'SE', surface: 'radio', promotedSkip: 0.2, budget: 0.22 }],
    ...over,
  };
}

/** The cells of every <tr> in the first <table> after `heading`. */
function tableAfter(html: string, heading: string): string[][] {
  const at = html.indexOf(heading);
  const t = html.slice(html.indexOf('<table>', at), html.indexOf('</table>', at));
  return [...t.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/<t[dh]>(.*?)<\/t[dh]>/g)].map((c) => c[1]));
}

describe('run report', () => {
  it('histograms count finite values only, in equal-width bins', () => {
    const h = histogram(new Float64Array([0, 1, 2, 3, Number.NaN, Infinity]), 3);
    expect(h.counts).toEqual([1, 1, 2]);
    expect(h.edges).toEqual([0, 1, 2, 3]);
  });

  it('reads a previous distribution from its quantiles into the same bins, an atom at the left edge included', () => {
    const shares = sharesFromQuantiles({ p0: 0, p25: 0, p50: 1, p75: 2, p100: 4 }, [0, 1, 2, 3, 4]);
    expect(shares[0]).toBeCloseTo(0.5);
    expect(shares[1]).toBeCloseTo(0.25);
    expect(shares.reduce((s, x) => s + x, 0)).toBeCloseTo(1);
  });

  it('is self-contained, escapes text, and shows prices, caps, skip budget use and drift with labelled axes', () => {
    const html = renderRunReport(data());
    expect(html).toContain('promo&lt;scores&gt;');
    expect(html).not.toContain('promo<scores>');
    expect(html).not.toMatch(/<script|src="http|href="http|@import|url\(/);
    expect(html).toContain('SE/radio');
    expect(html).toContain('used / capacity: 0.5');
    expect(html).toContain('engagement_daily');
    expect(html).toContain('Shadow prices per market and surface');
    expect(tableAfter(html, 'Shadow prices')[1]).toEqual(['SE/radio', '0.75', '0.1', '10', '5', '50.0%']);
    expect(html).toContain('1 of 2 licensor caps bind');
    expect(html).toContain('Skip budget use');
    expect(html).toContain('Drift against v1');
    expect(tableAfter(html, 'Drift against v1')[1]).toEqual(['rows', '4', '10', '+150.0%']);
    expect(html).toContain('<polyline'); // the previous distribution over this run's bars
    expect(html).toMatch(/class="axis">score \(net value per impression\)</);
    expect(html).toMatch(/class="axis">share of rows</);
  });

  it('opens a failed run on what failed, against what, and the way through; failures lead the quality table', () => {
    const failing = { check: 'row_count_drift', policy: 'fail' as const, status: 'fail' as const, offending: 1, detail: 'rows 4 -> 10', measured: 1.5, threshold: 0.5, setting: 'quality.output.max_row_change' };
    const r = result({
      status: 'failed', exitCode: 4, error: 'output failed a gate (nothing published): row_count_drift: rows 4 -> 10',
      hint: 'if the change is understood, rerun with --set quality.output.max_row_change=1.6',
      quality: { input: [{ check: 'schema', policy: 'fail', status: 'pass', offending: 0 }], output: [{ check: 'unique_keys', policy: 'fail', status: 'pass', offending: 0 }, failing] },
    });
    const html = renderRunReport(data({ result: r }));
    const failed = tableAfter(html, 'What failed');
    expect(failed[0]).toEqual(['check', 'measured', 'threshold', 'setting', 'against', 'detail']);
    expect(failed[1]).toEqual(['row_count_drift', '1.5', '0.5', 'quality.output.max_row_change', 'v1', 'rows 4 -&gt; 10']);
    expect(html).toContain('--set quality.output.max_row_change=1.6');
    const quality = tableAfter(html, '<h2>Quality checks</h2>');
    expect(quality[1].slice(0, 5)).toEqual(['output', 'row_count_drift', 'fail', '1.5', '0.5']);
    expect(quality.slice(2).map((row) => row[2])).toEqual(['pass', 'pass']);
  });

  it('indexes the reports newest first, failures marked', () => {
    const html = renderIndex([
      { file: 'a.html', status: 'published', exit_code: 0, dataset: 'd', as_of: '2026-11-19', version: 'v1', rows: 4, written_at: '2026-12-01T00:00:00Z' },
      { file: 'b.html', status: 'failed', exit_code: 4, dataset: 'd', as_of: '2026-11-20', version: 'v2', rows: 10, written_at: '2026-12-02T00:00:00Z', error: 'drift' },
    ]);
    expect(html.indexOf('b.html')).toBeLessThan(html.indexOf('a.html'));
    expect(html).toContain('<tr class="bad">');
    expect(html).not.toMatch(/<script/);
  });
});

describe('the report as a reader sees it', () => {
  it('draws the score drift over eligible rows, counts the ineligible ones in a note, and never prints a 39-digit number', () => {
    const scores = [INELIGIBLE_SCORE, INELIGIBLE_SCORE, -0.5, 0, 0.1, 0.2];
    const eligible = histogram(scores, 4, (i) => scores[i] >= ELIGIBLE_FLOOR);
    expect(eligible.edges[0]).toBe(-0.5);
    const html = renderRunReport(data({ scoreAll: eligible, previousScoreShares: [0.1, 0.3, 0.2, 0.1], scoreLeftOut: 2 }));
    expect(html).toContain('2 of 6 rows (33.3%) are ineligible');
    // the bars are shares of all six rows, not of the four drawn: the first bin holds one row, 1/6
    expect(html).toMatch(/<title>\[-0\.5, -0\.325\): 16\.7%<\/title>/);
    // an axis over every row (the old chart) would have had the lowest float32 as an end: an exponent, not digits
    const all = renderRunReport(data({ scoreAll: histogram(scores, 4) }));
    expect(all).toContain('-3.40e+38');
    expect(all).not.toMatch(/\d{1,3}(,\d{3}){4,}/);
  });

  it('places each legend entry after the previous one, however long its name', () => {
    const html = renderRunReport(data({ previous: { version: '20261120-d68286830c56', asOf: '2026-11-20', rows: 4, byMarketSurface: [{ market: 'SE', surface: 'radio', rows: 4, promoted: 1 }] } }));
    const fig = html.slice(html.indexOf('rows per market and surface, previous and this run'));
    const xs = [...fig.matchAll(/<g transform="translate\(([\d.]+) 0\)">/g)].slice(0, 2).map((m) => Number(m[1]));
    const firstName = 'previous 20261120-d68286830c56';
    expect(xs[1] - xs[0]).toBeGreaterThan(14 + 6 * firstName.length);
  });

  it('sums the quality checks up front and keeps the table on the page', () => {
    const html = renderRunReport(data());
    expect(html).toContain('1 checks: 0 failed, 1 dropped rows, 0 warned, 0 passed.');
    expect(html).toContain('<div class="fit"><table>');
    // names break after their dots only, so a `--set` key never splits mid-word
    expect(tableAfter(html, '<h2>Quality checks</h2>')[1]).toContain('engagement_daily.<wbr>skips');
    const failing = { check: 'row_count_drift', policy: 'fail' as const, status: 'fail' as const, offending: 1, measured: 1.5, threshold: 0.5, setting: 'quality.output.max_row_change' };
    const gated = renderRunReport(data({ result: result({ quality: { input: [], output: [failing] } }) }));
    expect(tableAfter(gated, '<h2>Quality checks</h2>')[1][5]).toBe('quality.<wbr>output.<wbr>max_row_change');
  });

  it('a run that failed before its plan says what it never reached, and claims nothing about LATEST', () => {
    const r = result({ status: 'failed', exitCode: 2, error: '--set: quality: unknown field "drift"', dataset: '', asOf: '', version: '', previousVersion: null, rows: 0, stages: [], manifestUri: '', storeUri: '', quality: undefined, byMarketSurface: [], promotedRows: 0 });
    const html = renderRunReport({ result: r, createdAt: 'now', byMarketSurface: [], previous: null });
    expect(html).not.toContain('LATEST still names');
    expect(html).toContain('the run stopped before it read LATEST');
    expect(tableAfter(html, '</section>').find((row) => row[0] === 'version')).toEqual(['version', '(not reached)']);
    expect(tableAfter(html, '</section>').find((row) => row[0] === 'previous version')).toEqual(['previous version', '(not reached)']);
    expect(html).toContain('No stage ran.');
    expect(html).not.toContain('<h2>Drift');
  });

  it('an already published version is not compared with itself', () => {
    const html = renderRunReport(data({ result: result({ status: 'already-published', version: 'v1', previousVersion: 'v1' }), previous: { version: 'v1', asOf: '2026-11-20', rows: 10, byMarketSurface: [] } }));
    expect(html).not.toContain('Drift against v1');
    expect(html).toContain('v1 was already published; its drift was gated by the run that published it.');
  });

  it("a sharded task's drift covers its own markets only, and leaves the whole-output measures to the commit", () => {
    const previous = { version: 'v1', asOf: '2026-11-19', rows: 30, byMarketSurface: [{ market: 'SE', surface: 'radio', rows: 10, promoted: 1 }, { market: 'US', surface: 'radio', rows: 20, promoted: 2 }] };
    const html = renderRunReport(data({ result: result({ status: 'task-written' }), previous }));
    expect(tableAfter(html, 'Drift against v1')[1]).toEqual(['rows', '10', '10', '+0.0%']);
    expect(html).not.toContain('US/radio');
    expect(html).not.toContain('score distribution of eligible rows');
    expect(html).toContain('1 of 2 markets');
  });

  it('index: dates and versions stay on one line', () => {
    expect(renderIndex([])).toContain('td{white-space:nowrap}');
  });
});

describe('the simulation page', () => {
  it('labels the days along each per-day chart and never prints "-0"', () => {
    const p = { incremental_saves: -1, incremental_streams: 0, revenue: 0, promoted_skip_rate: 0.3, organic_skip_rate: 0.28, breach_share: 0, breaches: 0, group_days: 1, paced_within_15pct: 0.25, campaigns_capacity_allows: 4, campaigns_under_delivered: 2, campaigns_over_delivered: 1, paced_within_15pct_guardrail_allows: 0.5, campaigns_guardrail_allows: 2, licensor_hhi: 0, exploration_cost: 0, capacity_use: 0, job_failures: 0 };
    const day = (saves: number) => ({ incremental_saves: saves, breaches: 0, promoted_impressions: 5 });
    const r = {
      world: { seed: '1', scale: 0.05, days: 3, start: '2026-01-15', promoted_penalty: 1, drift: 0.1, cold_start_share: null },
      policies: { spec: p },
      daily: { spec: [day(-0.3), day(-0.2), day(-0.5)] },
      seconds: { total: 1, sample: 0, jobs: 1, world: 0 },
    } as unknown as SimulationResult;
    const html = renderSimulationReport(r);
    expect(html).toContain('simulated day (day 1 = 2026-01-15)');
    expect(html).toMatch(/text-anchor="middle">3<\/text>/);
    expect(html).toContain('>-0.5</text>');
    expect(html).not.toMatch(/>-0<\/text>/);
    // delivery: within ±15% of those capacity allows, with the misses under / over, and of those the guardrail allows
    expect(html).toContain('0.250 of 4: 2 / 1');
    expect(html).toContain('0.500 of 2');
  });
});

describe('the way through a failed gate', () => {
  it('suggests the smallest two-digit threshold above the measured value', () => {
    expect(justAbove(2.0159)).toBe(2.1);
    expect(justAbove(0.314)).toBe(0.32);
    expect(justAbove(2)).toBe(2.1);
    expect(justAbove(0.5)).toBe(0.51);
    expect(justAbove(0)).toBe(0.01);
  });

  it('names a --set only for thresholds that are job settings', () => {
    expect(settingHint([{ check: 'certificate_gap', policy: 'fail', status: 'fail', offending: 1, measured: 1, threshold: 1e-4 }])).toBeUndefined();
    expect(settingHint([{ check: 'score_psi', policy: 'fail', status: 'fail', offending: 1, measured: 0.3, threshold: 0.25, setting: 'quality.output.max_score_psi' }])).toBe(
      'if the change is understood, rerun with --set quality.output.max_score_psi=0.31 (--force does not bypass the gates)',
    );
  });
});
