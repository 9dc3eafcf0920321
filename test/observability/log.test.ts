import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/log.ts';
import { histogram, renderRunReport } from '../../src/observability/report-html.ts';

function capture(format: 'json' | 'text', level?: 'DEBUG' | 'INFO' | 'WARNING') {
  const lines: string[] = [];
  const log = createLogger({ format, level, write: (l) => lines.push(l) });
  return { log, lines };
}

describe('structured logs', () => {
  it('json: one Cloud Logging entry per line with severity, message, time and the run labels', () => {
    const { log, lines } = capture('json');
    const child = log.child({ run_id: 'r-1', dataset: 'promo_scores' });
    child.warn('drift high', { psi: 0.31 });
    child.child({ job: 'nightly' }).info('published', { version: 'v1' });
    expect(lines).toHaveLength(2);
    const [a, b] = lines.map((l) => JSON.parse(l));
    expect(a).toMatchObject({ severity: 'WARNING', message: 'drift high', psi: 0.31, 'logging.googleapis.com/labels': { run_id: 'r-1', dataset: 'promo_scores' } });
    expect(Date.parse(a.time)).not.toBeNaN();
    expect(b['logging.googleapis.com/labels']).toEqual({ run_id: 'r-1', dataset: 'promo_scores', job: 'nightly' });
  });

  it('fields cannot overwrite severity or message', () => {
    const { log, lines } = capture('json');
    log.error('real message', { severity: 'DEBUG', message: 'forged' });
    expect(JSON.parse(lines[0])).toMatchObject({ severity: 'ERROR', message: 'real message' });
  });

  it('levels below the minimum are dropped; text lines are readable', () => {
    const { log, lines } = capture('text', 'INFO');
    log.debug('hidden');
    log.info('extracted', { rows: 5 });
    log.warn('careful');
    expect(lines).toEqual(['extracted rows=5', 'warning: careful']);
  });

  it('serializes bigints and errors instead of throwing', () => {
    const { log, lines } = capture('json');
    log.info('x', { n: 12n, err: new TypeError('boom') });
    expect(JSON.parse(lines[0])).toMatchObject({ n: '12', err: { name: 'TypeError', message: 'boom' } });
  });
});

describe('HTML report', () => {
  it('histograms count finite values only, in equal-width bins', () => {
    const h = histogram(new Float64Array([0, 1, 2, 3, Number.NaN, Infinity]), 3);
    expect(h.counts).toEqual([1, 1, 2]);
    expect(h.edges).toEqual([0, 1, 2, 3]);
  });

  it('renders a self-contained page with escaped text and one bar per market/surface', () => {
    const html = renderRunReport({
      dataset: 'promo<scores>', version: 'v1', asOf: '2026-11-20', status: 'published', runId: 'r', createdAt: 'now',
      rows: 10, promotedRows: 3, peakRssBytes: 2 ** 20, stages: [{ stage: 'score', seconds: 0.5, rows: 10 }],
      byMarketSurface: [{ market: 'SE', surface: 'radio', rows: 10, promoted: 3 }],
      scoreHistogram: histogram([1, 2, 3]), boostHistogram: histogram([1, 1.5, 2]),
      allocation: {
        tolerance: 1e-4, certificate: { primal: 1, dual_bound: 1, gap: 0, max_violation: 0 },
        markets: [{ market: 'SE', surfaces: [{ surface: 'radio', capacity: 10, skip_baseline: 0.2, skip_tolerance: 0.02, used: 5, capacity_price: 0, skip_price: 0 }], licensor_caps: [], certificate: { primal: 1, dual_bound: 1, gap: 0, max_violation: 0 } }],
      },
      quality: { input: [{ check: 'range', table: 'engagement_daily', column: 'skips', policy: 'drop', status: 'dropped', offending: 2 }], output: [] },
    });
    expect(html).toContain('promo&lt;scores&gt;');
    expect(html).not.toContain('promo<scores>');
    expect(html).not.toMatch(/<script|src="http/);
    expect(html).toContain('SE/radio');
    expect(html).toContain('used / capacity: 0.5');
    expect(html).toContain('engagement_daily');
  });
});

describe('text lines for people', () => {
  it('round fractional numbers to four significant digits', () => {
    const { log, lines } = capture('text');
    log.info('extracted', { seconds: 0.09038258999999994, rows: 1968 });
    expect(lines).toEqual(['extracted seconds=0.09038 rows=1968']);
  });
});
