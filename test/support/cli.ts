import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export { withTempDir } from './temp.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(REPO, 'bin', 'promoscore.mjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ChildRun {
  child: ChildProcess;
  done: Promise<CliResult>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** killed with SIGKILL after this long (default 120 s), so a hung child cannot hang the suite */
  timeoutMs?: number;
}

/** Starts `node ARGV…` with this process's Node (Node strips the types of a .ts entry), capturing its output. */
export function spawnNode(argv: string[], opts: SpawnOptions = {}): ChildRun {
  const child = spawn(process.execPath, argv, {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

/** Starts the real CLI (as schedulers do) with JSON logs, no colour and no terminal. */
export function startCli(args: string[], opts: SpawnOptions = {}): ChildRun {
  return spawnNode([BIN, ...args], { ...opts, env: { PROMOSCORE_LOG_FORMAT: 'json', NO_COLOR: '1', ...opts.env } });
}

export function runCli(args: string[], opts: SpawnOptions = {}): Promise<CliResult> {
  return startCli(args, opts).done;
}

/** The structured log entries a CLI run wrote to stderr (a line that is not JSON becomes its message). */
export function logEntries(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return { message: l };
      }
    });
}
