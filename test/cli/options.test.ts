import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.ts';
import { numberFlag } from '../../src/cli/options.ts';
import { UsageError } from '../../src/core/errors.ts';

/** Every command takes --log-format, and every command that prints a result takes --json. */
async function allCommands(): Promise<Command[]> {
  const program = new Command('promoscore');
  for (const entry of Object.values(COMMANDS)) (await entry.load())(program);
  const out: Command[] = [];
  const walk = (c: Command) => {
    for (const sub of c.commands) {
      if (sub.commands.length) walk(sub);
      else out.push(sub);
    }
  };
  walk(program);
  return out;
}

const pathOf = (c: Command): string => (c.parent && c.parent.name() !== 'promoscore' ? `${pathOf(c.parent)} ` : '') + c.name();
const flags = (c: Command) => c.options.map((o) => o.long);

// serve prints no result (it serves); run's result JSON is the run result's own change
const NO_RESULT = new Set(['serve', 'run']);

describe('options every command shares', () => {
  it('--log-format everywhere', async () => {
    const missing = (await allCommands()).filter((c) => !flags(c).includes('--log-format')).map(pathOf);
    expect(missing).toEqual([]);
  });

  it('--json on every command that prints a result', async () => {
    const commands = await allCommands();
    expect(commands.map(pathOf)).toContain('snapshots head');
    const missing = commands.filter((c) => !NO_RESULT.has(pathOf(c)) && !flags(c).includes('--json')).map(pathOf);
    expect(missing).toEqual([]);
  });

  it('--job on every command that reads or writes a store, warehouse or notifier', async () => {
    const noStore = new Set(['sample-data', 'simulate']);
    const missing = (await allCommands()).filter((c) => !noStore.has(pathOf(c)) && !flags(c).includes('--job')).map(pathOf);
    expect(missing).toEqual([]);
  });
});

describe('numeric flags', () => {
  it('take numbers within their range, and integers only where the flag counts', () => {
    expect(numberFlag('--scale', '0.25', 0.001, 100)).toBe(0.25);
    expect(numberFlag('--days', ' 28 ', 1, 365, { integer: true })).toBe(28);
    expect(numberFlag('--seed', '0', 0, 2 ** 32 - 1, { integer: true })).toBe(0);
  });

  it.each([
    ['--days', '2.5', 1, 365, true, /^--days: expected an integer from 1 to 365, got "2.5"$/],
    ['--port', '1e3', 0, 65535, true, /expected an integer/],
    ['--port', '0x10', 0, 65535, true, /expected an integer/],
    ['--limit', '0', 1, 1000, true, /^--limit: expected an integer from 1 to 1000, got "0"$/],
    ['--scale', '', 0.001, 100, false, /^--scale: expected a number from 0.001 to 100, got ""$/],
    ['--drift', 'NaN', 0, 10, false, /expected a number/],
    ['--drift', '11', 0, 10, false, /from 0 to 10, got "11"/],
  ] as const)('refuses %s %j with a usage error naming the flag', (flag, value, lo, hi, integer, message) => {
    let err: unknown;
    try {
      numberFlag(flag, value, lo, hi, { integer });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });
});
