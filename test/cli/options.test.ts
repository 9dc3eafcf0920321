import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.ts';

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
