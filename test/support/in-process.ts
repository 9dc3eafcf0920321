import { Command } from 'commander';

export interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

export type Register = (program: Command) => void;

/**
 * Runs `promoscore <args>` in this process with the given commands registered, capturing stdout,
 * stderr and the exit code (commander's own usage errors count as exit 2, as in the entry).
 * `env` entries are set for the call and restored after (undefined unsets).
 */
export async function runInProcess(registers: Register[], args: string[], env: Record<string, string | undefined> = {}): Promise<Out> {
  const program = new Command('promoscore').exitOverride().enablePositionalOptions();
  let stdout = '';
  let stderr = '';
  program.configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) });
  for (const r of registers) r(program);
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const so = process.stdout.write.bind(process.stdout);
  const se = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
  const before = process.exitCode;
  process.exitCode = undefined;
  let code = 0;
  try {
    await program.parseAsync(['node', 'promoscore', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (err) {
    const c = (err as { code?: string }).code;
    code = c === 'commander.helpDisplayed' || c === 'commander.help' ? 0 : 2;
  } finally {
    process.stdout.write = so;
    process.stderr.write = se;
    process.exitCode = before;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { code, stdout, stderr };
}

/** The lines of a text-format stderr that are errors, e.g. `error: ... exit_code=2`. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('error:') || l.includes('"severity":"ERROR"'));
}
