// Runs `serve` the way src/cli/main.ts does (commander, exit 2 on usage errors), for child-process tests.
import { Command } from 'commander';
import { register } from '../../src/cli/serve.ts';

const program = new Command('promoscore');
program.exitOverride((err) => {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') process.exit(0);
  process.exit(2);
});
register(program);
await program.parseAsync(process.argv);
