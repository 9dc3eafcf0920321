import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/log.ts';

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

describe('text lines for people', () => {
  it('round fractional numbers to four significant digits', () => {
    const { log, lines } = capture('text');
    log.info('extracted', { seconds: 0.09038258999999994, rows: 1968 });
    expect(lines).toEqual(['extracted seconds=0.09038 rows=1968']);
  });
});
