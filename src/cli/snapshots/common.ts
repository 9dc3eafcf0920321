import type { Command } from 'commander';
import { checkSegment } from '../../snapshot/markers.ts';
import { openStore } from '../../store/open.ts';
import { resolveConfig } from '../../config/resolve.ts';
import { addConfigOptions, addOutputOptions, type ConfigOptionFlags, type OutputFlags } from '../options.ts';
import type { ObjectStore } from '../../store/port.ts';

/** The flags every `snapshots` subcommand shares. */
export interface Common extends ConfigOptionFlags, OutputFlags {}

export function common(cmd: Command, uses: { notify?: boolean } = {}): Command {
  return addOutputOptions(addConfigOptions(cmd, uses));
}

/** The store and dataset the flags, PROMOSCORE_STORE and the job file name (config/resolve.ts). */
export async function open(f: Common): Promise<{ store: ObjectStore; dataset: string; notify: string }> {
  const c = resolveConfig(f);
  checkSegment('--dataset', c.dataset);
  return { store: await openStore(c.store, { flag: c.sources.store === 'env' ? 'PROMOSCORE_STORE' : '--store' }), dataset: c.dataset, notify: c.notify };
}
