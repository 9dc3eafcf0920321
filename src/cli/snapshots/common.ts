import type { Command } from 'commander';
import { CorruptSnapshotError, UsageError } from '../../core/errors.ts';
import type { Manifest } from '../../snapshot/contract.ts';
import { checkSegment } from '../../snapshot/markers.ts';
import { readLatest, readManifest } from '../../snapshot/read.ts';
import { openStore } from '../../store/open.ts';
import type { ObjectStore } from '../../store/port.ts';

export const DEFAULT_STORE = 'file://./.promoscore/store';
export const DEFAULT_NOTIFY = 'file://./.promoscore/outbox.ndjson';
export const DEFAULT_DATASET = 'promo_scores';

/** The flags every `snapshots` subcommand shares. */
export interface Common {
  store: string;
  dataset: string;
  json?: boolean;
}

export function common(cmd: Command, json = true): Command {
  cmd
    .option('--store <uri>', 'gs://BUCKET/PREFIX | file://DIR', DEFAULT_STORE)
    .option('--dataset <name>', 'snapshot dataset', DEFAULT_DATASET);
  if (json) cmd.option('--json', 'machine-readable output on stdout');
  return cmd;
}

export async function open(f: Common): Promise<ObjectStore> {
  checkSegment('--dataset', f.dataset);
  return openStore(f.store, { flag: '--store' });
}

/** The asked version, or the one LATEST names when none is asked. */
export async function resolveVersion(store: ObjectStore, dataset: string, version: string | undefined): Promise<string> {
  if (version) {
    checkSegment('VERSION', version);
    return version;
  }
  const latest = await readLatest(store, dataset);
  if (!latest) throw new UsageError(`${dataset} has no LATEST in ${store.uri}: nothing published yet (see \`snapshots list\`)`);
  return latest.pointer.version;
}

/** A version's manifest; a missing or unreadable one is the caller's mistake (exit 2), not the store's. */
export async function manifestOf(store: ObjectStore, dataset: string, version: string): Promise<Manifest> {
  try {
    return await readManifest(store, dataset, version);
  } catch (err) {
    if (err instanceof CorruptSnapshotError) throw new UsageError(`${dataset}/${version}: ${err.message}`);
    throw err;
  }
}
