/**
 * `promoscore serve` as a child process, for tests that need the real command: flags, signals,
 * logs, and several replicas at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./serve-entry.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** the JSON log entries so far */
  logs: () => Record<string, unknown>[];
}

/** Starts `serve args…`; `cleanups` gets a step that kills it if a test left it running. */
export function startServe(args: string[], env: Record<string, string>, cleanups: (() => Promise<void>)[]): ServeProcess {
  const child = spawn(process.execPath, [ENTRY, 'serve', ...args], {
    cwd: REPO,
    env: { ...process.env, PROMOSCORE_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const logs = () =>
    err
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, stdout: () => out, stderr: () => err, exited, logs };
}

/** Polls `fn` until it returns something truthy; fails early when the serve process `p` exited. */
export async function until<T>(fn: () => T | Promise<T>, what: string, p?: ServeProcess, limitMs = 60_000): Promise<NonNullable<T>> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (p && p.child.exitCode !== null) throw new Error(`serve exited (${p.child.exitCode}) while waiting for ${what}: ${p.stderr()}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The URL `serve` printed once it listens. */
export const listeningUrl = (p: ServeProcess) => until(() => /listening on (\S+)/.exec(p.stdout())?.[1], 'listening', p);

/** GET /v1/status as JSON. */
export async function statusOf(url: string): Promise<Record<string, any>> {
  return (await fetch(`${url}/v1/status`)).json() as Promise<Record<string, any>>;
}
