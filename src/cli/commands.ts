/**
 * The program and its command table. Each command's module (and through it the job, DuckDB, Arrow,
 * the cloud clients) is imported only when that command runs or shows its own help; `promoscore
 * --help` lists every command from this table without importing any of them. test/cli/lazy.test.ts
 * checks the listing is the one the modules themselves register.
 */
import { Command, Help } from 'commander';
import { readFileSync } from 'node:fs';

type Register = (program: Command) => void;

export interface CommandEntry {
  /** the description the command's module gives it (the listing shows it without importing the module) */
  description: string;
  /** whether the module gives it options (the listing then shows `name [options]`) */
  options: boolean;
  load: () => Promise<Register>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  run: {
    description: 'run the job once: plan, extract, validate, score, gate, publish, notify, report',
    options: true,
    load: async () => (await import('./run.ts')).registerRun,
  },
  plan: {
    description: 'resolve config and the version identity, say whether it is already published, and what the queries would scan',
    options: true,
    load: async () => (await import('./plan.ts')).registerPlan,
  },
  commit: {
    description: 'publish a sharded run whose tasks have all written their part (normally the last task does it; this finishes after a crash)',
    options: true,
    load: async () => (await import('./commit.ts')).registerCommit,
  },
  backfill: {
    description: 'run the job for every as-of in a range, oldest first, skipping published ones; resumable',
    options: true,
    load: async () => (await import('./backfill.ts')).register,
  },
  'sample-data': {
    description: 'write a deterministic, realistic synthetic feature dataset (the seven contract tables) as Parquet',
    options: true,
    load: async () => (await import('./sample-data.ts')).register,
  },
  snapshots: {
    description: 'inspect, verify, roll back and collect published snapshots',
    options: false,
    load: async () => (await import('./snapshots.ts')).register,
  },
  explain: {
    description: 'why does this track have this score: the breakdown of one (track, market, surface) row of a snapshot',
    options: true,
    load: async () => (await import('./explain.ts')).registerExplain,
  },
  serve: {
    description:
      'Serve the latest verified snapshot over HTTP: loads it into memory, answers score lookups, and\n' +
      'hot-swaps newer versions as they are announced (Pub/Sub or the local outbox) or as LATEST moves.',
    options: true,
    load: async () => (await import('./serve.ts')).register,
  },
  simulate: {
    description: 'run the job day after day in a simulated world that reacts to what it publishes, and compare policies',
    options: true,
    load: async () => (await import('./simulate.ts')).register,
  },
  replay: {
    description: 'estimate the allocation\'s incremental saves on a warehouse\'s own history: SNIPS on logged propensities, the direct method elsewhere, with bootstrap intervals',
    options: true,
    load: async () => (await import('./replay.ts')).register,
  },
  doctor: {
    description: 'check that the configured warehouse, store and notifier are reachable and permitted (nothing is published)',
    options: true,
    load: async () => (await import('./doctor.ts')).register,
  },
};

/** The program itself: description, version, examples, exit codes; no commands yet. */
export function createProgram(): Command {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const program = new Command('promoscore')
    .description(
      'Scores opted-in tracks of the promotion program, allocates each market\'s promoted capacity, and publishes\n' +
        'a verified Arrow snapshot with a manifest, a LATEST pointer and a notification.',
    )
    .version(pkg.version)
    // program options only before the command, so `explain --version V` and `commit --version V` reach the command
    .enablePositionalOptions()
    .showHelpAfterError()
    .addHelpText(
      'after',
      `
Examples:
  $ promoscore run                                  # embedded defaults: sample data, DuckDB, ./.promoscore/store
  $ promoscore run --job jobs/nightly.yaml --as-of 2026-11-25
  $ promoscore snapshots list
  $ promoscore explain --track GCD0gTbSXq0V617XFalp6i --market SE --surface radio

Exit codes: 0 published or already published, 2 usage/config error, 3 input data failed validation,
4 output failed a gate, 5 infrastructure failure (safe to retry), 6 lost a race to a concurrent run.`,
    );

  // commander reports usage errors with exit 1 by default; the contract says 2.
  program.exitOverride((err) => {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') process.exit(0);
    process.exit(2);
  });
  return program;
}

/** Every command as a placeholder with its name and description: enough to list them, to suggest one for a typo. */
export function addPlaceholders(program: Command): void {
  for (const [name, entry] of Object.entries(COMMANDS)) program.command(name).description(entry.description);
  const term = new Help().subcommandTerm.bind(new Help());
  program.configureHelp({
    subcommandTerm: (cmd) => (COMMANDS[cmd.name()]?.options ? `${cmd.name()} [options]` : term(cmd)),
  });
}

/**
 * The command the arguments name, if any: the first word after the program's own options (which come
 * before it); for `help NAME`, NAME. A program option (`--help`, `--version`) before it means the
 * program itself answers.
 */
export function commandIn(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('-')) return undefined;
    if (a === 'help') return args.slice(i + 1).find((b) => !b.startsWith('-'));
    return a;
  }
  return undefined;
}
