import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { registerRun } from './run.ts';
import { registerPlan } from './plan.ts';
import { registerCommit } from './commit.ts';
import { registerExplain } from './explain.ts';
import { register as registerBackfill } from './backfill.ts';
import { register as registerSampleData } from './sample-data.ts';
import { register as registerServe } from './serve.ts';
import { register as registerSnapshots } from './snapshots.ts';
import { register as registerSimulate } from './simulate.ts';
import { register as registerDoctor } from './doctor.ts';

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

registerRun(program);
registerPlan(program);
registerCommit(program);
registerBackfill(program);
registerSampleData(program);
registerSnapshots(program);
registerExplain(program);
registerServe(program);
registerSimulate(program);
registerDoctor(program);

await program.parseAsync(process.argv);
