/**
 * Where a command's warehouse, store, notifier and dataset come from, decided once for every
 * command: flag > PROMOSCORE_* environment variable > job file (`--job`) > embedded default.
 * Every command that touches a store, a warehouse or a notifier resolves through here, so
 * `PROMOSCORE_STORE=gs://b/p promoscore snapshots gc ...` acts on the same store the run wrote.
 */
import { defaultJob, ENV_OVERRIDES, loadJob, withEnvironment, type JobConfig, type LoadJobOptions } from './job.ts';
import { parseNotifyUri, parseStoreUri, parseWarehouseUri } from './uri.ts';

/** The flags a command may offer; absent means "not given on the command line". */
export interface ConfigFlags {
  job?: string;
  warehouse?: string;
  store?: string;
  notify?: string;
  dataset?: string;
}

export type ConfigSource = 'flag' | 'env' | 'job' | 'default';

export interface ResolvedConfig {
  /** the job file (or the embedded defaults) with the environment applied */
  job: JobConfig;
  /** undefined: the generated sample */
  warehouse: string | undefined;
  store: string;
  notify: string;
  dataset: string;
  /** where each value came from, for `doctor` and error messages */
  sources: Record<'warehouse' | 'store' | 'notify' | 'dataset', ConfigSource>;
}

/** The job's warehouse, store, notifier and dataset, each replaced by its flag where one was given. */
export function withFlags(job: JobConfig, flags: ConfigFlags): Omit<ResolvedConfig, 'sources'> {
  return {
    job,
    warehouse: flags.warehouse ?? job.warehouse,
    store: flags.store ?? job.store,
    notify: flags.notify ?? job.notify,
    dataset: flags.dataset ?? job.dataset,
  };
}

const ENV_OF = Object.fromEntries(Object.entries(ENV_OVERRIDES).map(([k, v]) => [v, k])) as Record<string, string>;

export function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env, opts: LoadJobOptions = {}): ResolvedConfig {
  const base = flags.job ? loadJob(flags.job, opts) : defaultJob();
  const plain = defaultJob();
  const job = withEnvironment(base, env);
  const envSet = (field: string) => {
    const name = ENV_OF[field];
    return name !== undefined && (env[name] ?? '').trim() !== '';
  };
  const source = (field: 'warehouse' | 'store' | 'notify' | 'dataset', flag: string | undefined): ConfigSource => {
    if (flag !== undefined) return 'flag';
    if (envSet(field)) return 'env';
    if (flags.job && base[field] !== plain[field]) return 'job';
    return 'default';
  };
  // flags are checked here, naming the flag, so a typo is exit 2 before anything is opened
  if (flags.warehouse !== undefined) parseWarehouseUri(flags.warehouse, { flag: '--warehouse' });
  if (flags.store !== undefined) parseStoreUri(flags.store, { flag: '--store' });
  if (flags.notify !== undefined) parseNotifyUri(flags.notify, { flag: '--notify' });
  return {
    ...withFlags(job, flags),
    sources: {
      warehouse: source('warehouse', flags.warehouse),
      store: source('store', flags.store),
      notify: source('notify', flags.notify),
      dataset: source('dataset', flags.dataset),
    },
  };
}
