/**
 * Google's Pub/Sub emulator for the test suite (`gcloud beta emulators pubsub start`).
 *
 * The suite's global setup (emulator-setup.ts) decides once per `vitest run` where Pub/Sub tests can
 * reach the emulator: PUBSUB_EMULATOR_HOST when it is set already; otherwise, when gcloud with its
 * pubsub-emulator component and java are installed, an emulator started on first use; otherwise none.
 * Started on first use, because most runs of a few test files need no JVM: the first test worker that
 * asks starts it (the others wait for it) in a process group of its own, on a free loopback port; the
 * global teardown stops that group by its PID and checks that nothing of it is left.
 * PROMOSCORE_TEST_PUBSUB_EMULATOR=off runs the suite as a machine without gcloud would.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { delimiter, dirname, join } from 'node:path';

export type EmulatorPlan =
  | { kind: 'external'; host: string }
  | { kind: 'on-demand'; dir: string; ownerPid: number }
  | { kind: 'absent'; reason: string };

declare module 'vitest' {
  interface ProvidedContext {
    pubsubEmulator: EmulatorPlan;
  }
}

function onPath(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

/** What the global setup provides to the test workers. */
export function planEmulator(workDir: string): EmulatorPlan {
  const host = process.env.PUBSUB_EMULATOR_HOST;
  if (host) return { kind: 'external', host };
  if (process.env.PROMOSCORE_TEST_PUBSUB_EMULATOR === 'off') return { kind: 'absent', reason: 'PROMOSCORE_TEST_PUBSUB_EMULATOR=off' };
  const gcloud = onPath('gcloud');
  if (!gcloud) return { kind: 'absent', reason: 'gcloud is not installed' };
  // gcloud's real path is <sdk>/bin/gcloud; components live under <sdk>/platform
  const sdk = dirname(dirname(realpathSync(gcloud)));
  if (!existsSync(join(sdk, 'platform', 'pubsub-emulator'))) return { kind: 'absent', reason: `gcloud's pubsub-emulator component is not installed (${sdk}/platform)` };
  if (!onPath('java')) return { kind: 'absent', reason: 'java is not installed (the emulator needs it)' };
  mkdirSync(workDir, { recursive: true });
  return { kind: 'on-demand', dir: workDir, ownerPid: process.pid };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const START_LIMIT_MS = 120_000;

/**
 * host:port of the emulator for this run, starting it if this worker is the first to ask; null when
 * there is none (the caller skips, and the global setup has said why).
 */
export async function pubsubEmulatorHost(plan: EmulatorPlan): Promise<string | null> {
  if (plan.kind === 'external') return plan.host;
  if (plan.kind === 'absent') return null;
  const hostFile = join(plan.dir, 'host');
  const failedFile = join(plan.dir, 'failed');
  let first = true;
  try {
    mkdirSync(join(plan.dir, 'lock')); // atomic: exactly one worker starts the emulator
  } catch {
    first = false;
  }
  if (first) await startEmulator(plan);
  const until = Date.now() + START_LIMIT_MS;
  for (;;) {
    if (existsSync(hostFile)) return readFileSync(hostFile, 'utf8').trim();
    if (existsSync(failedFile)) throw new Error(`the Pub/Sub emulator did not start: ${readFileSync(failedFile, 'utf8')}`);
    if (Date.now() > until) throw new Error(`the Pub/Sub emulator did not start within ${START_LIMIT_MS / 1000} s (log: ${join(plan.dir, 'emulator.log')})`);
    await sleep(100);
  }
}

async function startEmulator(plan: { dir: string; ownerPid: number }): Promise<void> {
  const logPath = join(plan.dir, 'emulator.log');
  const port = await freePort();
  const log = openSync(logPath, 'a');
  // detached: a session of its own, so gcloud leads a process group that its java child joins
  const child = spawn('gcloud', ['beta', 'emulators', 'pubsub', 'start', `--host-port=127.0.0.1:${port}`, '--quiet'], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  writeFileSync(join(plan.dir, 'pid'), String(child.pid));
  // ends the emulator's group if the test run's main process dies without its teardown
  const watchdog = spawn(
    'bash',
    ['-c', `while kill -0 ${plan.ownerPid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 2; done; kill -- -${child.pid} 2>/dev/null; exit 0`],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  writeFileSync(join(plan.dir, 'watchdog-pid'), String(watchdog.pid));
  const until = Date.now() + START_LIMIT_MS;
  while (Date.now() < until) {
    if (/Server started, listening on/.test(readFileSync(logPath, 'utf8')) && (await accepts(port))) {
      writeFileSync(join(plan.dir, 'host.tmp'), `127.0.0.1:${port}`);
      renameSync(join(plan.dir, 'host.tmp'), join(plan.dir, 'host'));
      return;
    }
    if (child.exitCode !== null || !groupAlive(child.pid!)) break;
    await sleep(100);
  }
  const tail = readFileSync(logPath, 'utf8').split('\n').slice(-5).join(' | ');
  writeFileSync(join(plan.dir, 'failed'), `port ${port}: ${tail}`);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops the emulator this run started (if any), by its process group: SIGTERM, then SIGKILL after
 * 10 s; throws when something of it is still running.
 */
export async function stopEmulator(plan: EmulatorPlan): Promise<void> {
  if (plan.kind !== 'on-demand') return;
  for (const file of ['pid', 'watchdog-pid']) {
    const path = join(plan.dir, file);
    if (existsSync(path)) await stopGroup(Number(readFileSync(path, 'utf8')));
  }
}

async function stopGroup(pgid: number): Promise<void> {
  if (!Number.isInteger(pgid) || pgid <= 1) return;
  if (groupAlive(pgid)) process.kill(-pgid, 'SIGTERM');
  for (let i = 0; i < 100 && groupAlive(pgid); i++) await sleep(100);
  if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  for (let i = 0; i < 20 && groupAlive(pgid); i++) await sleep(100);
  const left = spawnSync('ps', ['-e', '-o', 'pgid=,pid=,args='], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => Number(l.trim().split(/\s+/)[0]) === pgid)
    .join('; ');
  if (groupAlive(pgid) || left) throw new Error(`the Pub/Sub emulator's process group ${pgid} is still running: ${left}`);
}
