import type { Command } from 'commander';
import { CorruptSnapshotError, InfraError, UsageError } from '../../core/errors.ts';
import { listVersions, readLatestVerified, verifyVersion, type VersionCheck } from '../../snapshot/snapshot-reader.ts';
import { action } from '../exit.ts';
import { requireVersion } from '../versions.ts';
import { common, open, type Common } from './common.ts';
import { int, json, out, printCheck, problems } from './format.ts';

export function registerVerify(group: Command): void {
  common(
    group
      .command('verify')
      .argument('[version]', 'version id (default: the one LATEST names)')
      .option('--all', 'verify every complete version in the store')
      .description('re-check every checksum, size, row count and the schema of a version'),
  )
    .addHelpText(
      'after',
      `
Exit codes: 0 when every checked version is sound; 5 when any object of an existing version is
missing, truncated, altered, or a manifest or LATEST lies (the store is damaged: an infrastructure
failure, the same code a scheduler already retries or alerts on; republish or roll back to repair);
2 for a bad flag or a VERSION that is not in the store at all (a typo is not worth a retry).

Examples:
  $ promoscore snapshots verify
  $ promoscore snapshots verify 20261125-8b1e55aa0c93
  $ promoscore snapshots verify --all --json`,
    )
    .action(
      action(async (version: string | undefined, f: Common & { all?: boolean }) => {
        const { store, dataset } = await open(f);
        const checks: VersionCheck[] = [];
        if (f.all) {
          for (const v of await listVersions(store, dataset)) if (v.complete) checks.push(await verifyVersion(store, dataset, v.version));
        } else if (version) {
          await requireVersion(store, dataset, version);
          checks.push(await verifyVersion(store, dataset, version));
        } else {
          let c: VersionCheck | null;
          try {
            c = await readLatestVerified(store, dataset);
          } catch (err) {
            if (err instanceof CorruptSnapshotError) throw new InfraError(`verify failed: ${err.message}`);
            throw err;
          }
          if (!c) throw new UsageError(`${dataset} has no LATEST in ${store.uri}: nothing to verify`);
          checks.push(c);
        }
        if (f.json) json(checks.map(({ manifest: _m, ...c }) => c));
        else {
          for (const c of checks) {
            out(`${c.ok ? 'ok ' : 'BAD'} ${c.dataset}/${c.version}: ${c.shards.length} shards, ${int(c.manifest?.stats?.rows)} rows`);
            if (!c.ok || !f.all) printCheck(c);
          }
        }
        const bad = checks.filter((c) => !c.ok);
        if (bad.length) {
          const first = problems(bad[0]);
          throw new InfraError(
            `verify failed: ${bad.length} of ${checks.length} versions damaged; ${bad[0].version}: ${first.slice(0, 3).join('; ')}` +
              (first.length > 3 ? ` (and ${first.length - 3} more)` : ''),
          );
        }
        return 0;
      }),
    );
}
