import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observability/log.ts';
import { createProgress, noProgress, type ProgressStream } from '../../src/observability/progress.ts';
import { runJob } from '../../src/run/run-job.ts';
import { terminalOutput } from '../../src/cli/run.ts';
import { generateSample } from '../../src/sample/generate.ts';

/** A terminal stand-in: applies carriage returns and erase-line as a terminal would, and keeps every write. */
class FakeTty implements ProgressStream {
  readonly isTTY = true;
  readonly writes: string[] = [];
  private lines: string[] = [''];
  write(s: string): boolean {
    this.writes.push(s);
    for (const part of s.split(/(\r\x1b\[2K|\r|\n)/)) {
      if (part === '\r\x1b[2K' || part === '\r') this.lines[this.lines.length - 1] = '';
      else if (part === '\n') this.lines.push('');
      else this.lines[this.lines.length - 1] += part;
    }
    return true;
  }
  /** what the screen shows now, trailing blanks collapsed */
  screen(): string[] {
    return this.lines.map((l) => l.replace(/\s+/g, ' ').trim()).filter((l) => l !== '');
  }
  /** the line being redrawn in place */
  current(): string {
    return this.lines[this.lines.length - 1]!.replace(/\s+/g, ' ').trim();
  }
}

/** A clock moved by hand, and a ticker that fires only when the test says so. */
function fakeTime() {
  let t = 0;
  const tickers = new Set<() => void>();
  return {
    now: () => t,
    every: (fn: () => void) => {
      tickers.add(fn);
      return () => tickers.delete(fn);
    },
    advance(ms: number) {
      t += ms;
      for (const fn of [...tickers]) fn();
    },
    get running() {
      return tickers.size;
    },
  };
}

describe('progress on a terminal', () => {
  it('the timer of a running stage ticks without any update from the stage', () => {
    const tty = new FakeTty();
    const time = fakeTime();
    const p = createProgress(tty, { now: time.now, every: time.every });
    p.start('extract');
    expect(tty.current()).toBe('extract 0.0s');
    time.advance(1000);
    expect(tty.current()).toBe('extract 1.0s');
    time.advance(16_000);
    expect(tty.current()).toBe('extract 17.0s');
    p.finish('94,941 candidate rows');
    expect(tty.screen()).toEqual(['✓ extract 17.00s 94,941 candidate rows']);
    expect(time.running).toBe(0);
  });

  it('one line per stage, no duplicates; a bar only once the stage reports progress', () => {
    const tty = new FakeTty();
    const time = fakeTime();
    const p = createProgress(tty, { now: time.now, every: time.every });
    p.start('plan');
    time.advance(300);
    p.finish('version v1');
    p.start('score', 1000);
    time.advance(500);
    expect(tty.current()).toBe('score 0.5s');
    p.update(500);
    expect(tty.current()).toBe('score [##############..............] 50% 0.5s');
    time.advance(500);
    p.finish();
    p.start('gate');
    p.start('publish'); // starting a stage finishes the open one
    time.advance(2000);
    p.finish('published');
    expect(tty.screen()).toEqual(['✓ plan 0.30s version v1', '✓ score 1.00s', '✓ gate 0.00s', '✓ publish 2.00s published']);
  });

  it('a stage that fails ends with ✗ and the ticker stops', () => {
    const tty = new FakeTty();
    const time = fakeTime();
    const p = createProgress(tty, { now: time.now, every: time.every });
    p.start('gate');
    time.advance(3210);
    p.close();
    expect(tty.screen()).toEqual(['✗ gate 3.21s']);
    expect(time.running).toBe(0);
    p.close();
    expect(tty.screen()).toEqual(['✗ gate 3.21s']);
  });

  it('draws nothing off a terminal', () => {
    const writes: string[] = [];
    const p = createProgress({ isTTY: false, write: (s: string) => writes.push(s) });
    p.start('extract');
    p.finish('x');
    p.close();
    expect(writes).toEqual([]);
  });

  it('a run shows every stage once, validate and gate included, in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promoscore-progress-'));
    try {
      await generateSample({ outDir: join(dir, 'sample'), scale: 0.02, seed: 5, asOf: '2026-01-10' });
      const tty = new FakeTty();
      const time = fakeTime();
      const progress = createProgress(tty, { now: time.now, every: time.every });
      await runJob(
        { warehouse: `parquet:${join(dir, 'sample')}`, store: `file://${join(dir, 'store')}`, notify: `file://${join(dir, 'o.ndjson')}`, asOf: '2026-01-10', reportDir: null },
        silentLogger,
        { progress },
      );
      progress.close();
      const stages = tty.screen().map((l) => l.split(' ').slice(0, 2).join(' '));
      expect(stages).toEqual(['✓ plan', '✓ extract', '✓ validate', '✓ score', '✓ gate', '✓ publish']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on a terminal with text logs, INFO lines (which repeat the stage lines) stay out; notices and errors print', () => {
    const before = process.env.PROMOSCORE_LOG_LEVEL;
    delete process.env.PROMOSCORE_LOG_LEVEL;
    try {
      const tty = new FakeTty();
      const { log } = terminalOutput({ logFormat: 'text' }, tty);
      log.info('extracted', { candidates: 1 });
      log.notice('run finished');
      log.error('boom');
      expect(tty.screen()).toEqual(['run finished', 'error: boom']);
      const json = new FakeTty();
      expect(terminalOutput({ logFormat: 'json' }, json).progress).toBe(noProgress);
    } finally {
      if (before !== undefined) process.env.PROMOSCORE_LOG_LEVEL = before;
    }
  });
});
