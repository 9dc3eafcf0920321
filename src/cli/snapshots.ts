import type { Command } from 'commander';
import { registerDiff } from './snapshots/diff.ts';
import { registerGc } from './snapshots/gc.ts';
import { registerHead } from './snapshots/head.ts';
import { registerList } from './snapshots/list.ts';
import { registerRollback } from './snapshots/rollback.ts';
import { registerShow } from './snapshots/show.ts';
import { registerVerify } from './snapshots/verify.ts';

/** `promoscore snapshots`: one subcommand per file under snapshots/, sharing its options and formatting. */
export function register(program: Command): void {
  const group = program
    .command('snapshots')
    .description('inspect, verify, roll back and collect published snapshots')
    .addHelpText(
      'after',
      `
Examples:
  $ promoscore snapshots list
  $ promoscore snapshots show                      # the version LATEST names
  $ promoscore snapshots head --market SE --surface radio --limit 5
  $ promoscore snapshots diff 20261124-3f2a9c01d4e7 20261125-8b1e55aa0c93
  $ promoscore snapshots verify --all
  $ promoscore snapshots rollback 20261124-3f2a9c01d4e7
  $ promoscore snapshots gc --keep 7 --store gs://my-bucket/promoscore`,
    );

  registerList(group);
  registerShow(group);
  registerHead(group);
  registerDiff(group);
  registerVerify(group);
  registerRollback(group);
  registerGc(group);
}

export { register as registerSnapshots };
