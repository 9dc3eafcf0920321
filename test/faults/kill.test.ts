import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observability/log.ts';
import { runJob } from '../../src/run/run-job.ts';
import { startCli, type CliResult } from '../support/cli.ts';
import { killAfterLine } from '../support/kill.ts';
import { AS_OF, useFaultSuite } from './helpers/dataset.ts';
import { seeded } from './helpers/seeded.ts';
import { storeState, storeUri } from './helpers/store-state.ts';

/**
 * Real `kill -9` of the CLI at seeded moments of a run, in four lanes (stores) at once, five kills
 * per lane: after every kill, LATEST still names a complete version whose checksums verify (the
 * previous one or the new one, nothing else), and a final rerun converges on the new version and
 * makes sure it was announced.
 */
const LANES = 4;
const KILLS_PER_LANE = 5;
const PREVIOUS = '2026-11-19';
// log lines that mark the phases of a run; a kill lands a seeded moment after one of them. Kills
// before LATEST moves leave the identity unpublished, so the next run of the lane redoes the work
// and can be killed again; the last kill of a lane lands around the swap and the notification.
const EARLY = ['planned', 'extracted', 'input gates passed', 'shards written'];
const LATE = 'LATEST moved';

let root: string;
let base: string;
let spec: string;
useFaultSuite('kill', (dirs) => ({ root, base, spec } = dirs));

interface KillRecord {
  trigger: string;
  delayMs: number;
  result: CliResult;
}

/** Starts a run and SIGKILLs it `delayMs` after the first log line containing `trigger` (or at exit). */
async function runAndKill(args: string[], cwd: string, trigger: string, delayMs: number): Promise<KillRecord> {
  const run = startCli(args, { cwd, env: { PROMOSCORE_LOG_LEVEL: 'DEBUG' } });
  const result = await killAfterLine(run, 'stderr', `"message":"${trigger}"`, delayMs);
  return { trigger, delayMs, result };
}

async function lane(index: number): Promise<{ kills: KillRecord[]; checks: Awaited<ReturnType<typeof storeState>>[]; previous: string; final: Awaited<ReturnType<typeof runJob>>; end: Awaited<ReturnType<typeof storeState>> }> {
  const rand = seeded(9000 + index);
  const dir = join(root, `lane-${index}`);
  const storeDir = join(dir, 'store');
  const outbox = join(dir, 'outbox.ndjson');
  const common = { warehouse: `parquet:${base}`, store: storeUri(storeDir), notify: pathToFileURL(outbox).href, spec, reportDir: null };
  // a previous good version for LATEST to stay on
  const prev = await runJob({ ...common, asOf: PREVIOUS }, silentLogger);
  const args = ['run', '--as-of', AS_OF, '--warehouse', `parquet:${base}`, '--store', storeUri(storeDir), '--notify', pathToFileURL(outbox).href, '--no-report', '--spec', spec];
  const kills: KillRecord[] = [];
  const checks = [];
  for (let k = 0; k < KILLS_PER_LANE; k++) {
    const trigger = k < KILLS_PER_LANE - 1 ? EARLY[Math.floor(rand() * EARLY.length)] : LATE;
    const delay = Math.floor(rand() * (trigger === 'shards written' || trigger === LATE ? 40 : 150));
    kills.push(await runAndKill(args, dir, trigger, delay));
    checks.push(await storeState(storeDir, outbox));
  }
  const final = await runJob({ ...common, asOf: AS_OF }, silentLogger);
  const end = await storeState(storeDir, outbox);
  return { kills, checks, previous: prev.version, final, end };
}

describe('a crash at every publish step, then a rerun (in process, through the faults hook)', () => {
  const STEPS = ['shard:part-00000.arrow', 'shards', 'manifest', 'verified', 'before-swap', 'after-swap', 'read-back', 'before-notify', 'after-notify', 'notified'];
  // one published previous version, copied into each step's store
  let seededStore: string;
  beforeAll(async () => {
    seededStore = join(root, 'step-seed', 'store');
    await runJob({ warehouse: `parquet:${base}`, store: storeUri(seededStore), notify: pathToFileURL(join(root, 'step-seed', 'outbox.ndjson')).href, spec, reportDir: null, asOf: PREVIOUS }, silentLogger);
  });
  it.concurrent.each(STEPS)('crash after %s: LATEST sound, the rerun converges and the version is announced', async (step) => {
    const dir = join(root, `step-${step.replace(/[^a-z0-9]+/gi, '-')}`);
    const storeDir = join(dir, 'store');
    const outbox = join(dir, 'outbox.ndjson');
    cpSync(seededStore, storeDir, { recursive: true });
    cpSync(join(root, 'step-seed', 'outbox.ndjson'), outbox);
    const common = { warehouse: `parquet:${base}`, store: storeUri(storeDir), notify: pathToFileURL(outbox).href, spec, reportDir: null };
    const before = await storeState(storeDir, outbox);
    const crash = await runJob(
      { ...common, asOf: AS_OF, faults: (s) => { if (s === step) throw new Error(`crash injected after ${s}`); } },
      silentLogger,
    ).then(() => null, (e: Error) => e);
    expect(crash?.message).toContain(`crash injected after ${step}`);
    const mid = await storeState(storeDir, outbox);
    expect(mid.latestSound, mid.latestError).toBe(true);
    const rerun = await runJob({ ...common, asOf: AS_OF }, silentLogger);
    expect([before.latest, rerun.version]).toContain(mid.latest);
    const end = await storeState(storeDir, outbox);
    expect(end.latest).toBe(rerun.version);
    expect(end.latestSound).toBe(true);
    expect(end.announced).toContain(before.latest);
    expect(end.announced).toContain(rerun.version);
  }, 120_000);
});

describe('kill -9 at seeded moments, then rerun', () => {
  it(`${LANES * KILLS_PER_LANE} kills: LATEST always sound, the rerun converges and announces`, async () => {
    const lanes = await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
    let killed = 0;
    for (const l of lanes) {
      for (const [k, kill] of l.kills.entries()) {
        if (kill.result.signal === 'SIGKILL') killed++;
        else expect(kill.result.code, kill.result.stderr.slice(-2000)).toBe(0); // the run finished before the kill landed
        const s = l.checks[k];
        expect(s.latestSound, s.latestError).toBe(true);
        expect([l.previous, l.final.version]).toContain(s.latest);
      }
      expect(['published', 'already-published']).toContain(l.final.status);
      expect(l.end.latest).toBe(l.final.version);
      expect(l.end.latestSound, l.end.latestError).toBe(true);
      expect(l.end.announced).toContain(l.previous);
      expect(l.end.announced).toContain(l.final.version);
      expect(l.end.versions.find((v) => v.version === l.final.version)?.complete).toBe(true);
    }
    // the seeds put most kills mid-run; a handful may land after a fast run already exited
    expect(killed).toBeGreaterThanOrEqual(LANES * KILLS_PER_LANE - 4);
  }, 600_000);
});
