/**
 * Start-up: the CLI entry imports a command's module only when that command runs (or shows its own
 * help), so `promoscore --help` loads no command, no warehouse and no cloud client; its listing still
 * names every command with the description the command's module gives it.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { addPlaceholders, commandIn, COMMANDS, createProgram } from '../../src/cli/commands.ts';
import { BIN, REPO } from '../support/cli.ts';

/** Runs the CLI and returns its exit code, stdout, and every module URL the process loaded. */
function runRecorded(args: string[]): Promise<{ code: number | null; stdout: string; loaded: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'promoscore-lazy-'));
  const record = join(dir, 'imports.txt');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', join(REPO, 'test/cli/fixtures/record-imports.mjs'), BIN, ...args], {
      cwd: dir,
      env: { ...process.env, RECORD_IMPORTS: record, PROMOSCORE_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      let loaded: string[] = [];
      try {
        loaded = readFileSync(record, 'utf8').trim().split('\n');
      } catch {
        reject(new Error(`no modules recorded (exit ${code}): ${stderr}`));
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, stdout, loaded });
    });
  });
}

const packagesOf = (urls: string[]) =>
  [...new Set(urls.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1]).filter((p): p is string => p !== undefined))].sort();
/** the commands whose modules were loaded (src/cli/NAME.ts and src/cli/NAME/*.ts; shared helpers aside) */
const commandsOf = (urls: string[]) =>
  [...new Set(urls.map((u) => /\/src\/cli\/([^/.]+)(\/[^/]+)?\.ts$/.exec(u)?.[1]))].filter((m): m is string => m !== undefined && Object.hasOwn(COMMANDS, m)).sort();

describe('the command table', () => {
  it('lists every command exactly as the modules register them', async () => {
    const eager = createProgram();
    for (const entry of Object.values(COMMANDS)) (await entry.load())(eager);
    const lazy = createProgram();
    addPlaceholders(lazy);
    expect(lazy.commands.map((c) => c.name())).toEqual(eager.commands.map((c) => c.name()));
    expect(lazy.helpInformation()).toBe(eager.helpInformation());
  });

  it("each entry's module registers that one command", async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const program = new Command('promoscore');
      (await entry.load())(program);
      expect(program.commands.map((c) => c.name()), name).toEqual([name]);
    }
  });

  it('finds the command in the arguments: after program options, and for `help NAME`', () => {
    expect(commandIn(['run', '--as-of', '2026-11-20'])).toBe('run');
    expect(commandIn(['snapshots', 'list'])).toBe('snapshots');
    expect(commandIn(['help', 'explain'])).toBe('explain');
    expect(commandIn(['help'])).toBeUndefined();
    expect(commandIn(['--help'])).toBeUndefined();
    expect(commandIn(['-h', 'run'])).toBeUndefined(); // the program's help, listing every command
    expect(commandIn([])).toBeUndefined();
  });
});

describe('what a start imports', () => {
  it('`--help` lists every command and imports none of them, nor DuckDB, Arrow or a cloud client', async () => {
    const r = await runRecorded(['--help']);
    expect(r.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(r.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    expect(commandsOf(r.loaded)).toEqual([]);
    expect(packagesOf(r.loaded)).toEqual(['commander']);
  });

  it('`help explain` imports only the explain command', async () => {
    const r = await runRecorded(['help', 'explain']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: promoscore explain/);
    expect(commandsOf(r.loaded)).toEqual(['explain']);
  });

  it('`snapshots list` on a local store imports the snapshots commands, and no warehouse or cloud client', async () => {
    const store = mkdtempSync(join(tmpdir(), 'promoscore-lazy-store-'));
    try {
      const r = await runRecorded(['snapshots', 'list', '--store', `file://${store}`]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/no versions/);
      expect(commandsOf(r.loaded)).toEqual(['snapshots']);
      const packages = packagesOf(r.loaded);
      expect(packages.filter((p) => /^@google-cloud\/|^google-gax$|^@grpc\/|^@duckdb\//.test(p))).toEqual([]);
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });
});
