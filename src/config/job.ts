/**
 * Job definitions (`jobs/*.yaml`): what a scheduled run does. The same files are read by the CLI
 * (`--job`), by terraform (`yamldecode`, for Cloud Scheduler and the Cloud Run Job) and by tests,
 * so this schema is the one description of a job. Where a job runs (project, bucket, topic) is not
 * in the file: it comes from flags or PROMOSCORE_* environment variables (see `withEnvironment`),
 * so one file serves every environment.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import { DEFAULT_DATASET, DEFAULT_NOTIFY_URI, DEFAULT_STORE_URI } from './defaults.ts';
import { BQ_DATASET_RE, parseNotifyUri, parseStoreUri, parseWarehouseUri } from './uri.ts';

/** Defaults shared with terraform/locals.tf (a test checks they agree). */
export const JOB_DEFAULTS = {
  dataset: DEFAULT_DATASET,
  time_zone: 'Etc/UTC',
  buckets: 16,
  tasks: 1,
  maximum_bytes_billed: 1_099_511_627_776, // 1 TiB: a runaway query fails instead of billing
  scratch_dataset: 'promoscore_scratch',
  cpu: '2',
  memory: '4Gi',
  timeout: '3600s',
  retries: 1,
  parallelism: 0, // Cloud Run's 0: run every task at once
} as const;

/** URIs checked with the same parsers the CLI uses, so a bad file fails at load, at exit 2. */
function uriField(parse: (v: string, o: { flag: string }) => unknown) {
  return z.string().superRefine((v, ctx) => {
    try {
      parse(v, { flag: 'uri' });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^uri: /, '') });
    }
  });
}

const CRON_FIELD = /^[0-9A-Za-z*,/-]+$/;
const PLAIN_NUMBER = /^\d+$/;

function checkSchedule(schedule: string, cadence: 'daily' | 'hourly'): string | null {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f))) {
    return 'expected a unix cron with 5 fields (minute hour day-of-month month day-of-week)';
  }
  const [minute, hour] = fields as [string, string];
  // The cadence decides the logical time (a date or an hour); a schedule firing at another rhythm
  // would skip or repeat logical times.
  if (cadence === 'hourly' && !(PLAIN_NUMBER.test(minute) && hour === '*')) {
    return 'an hourly job needs a schedule like "15 * * * *" (fixed minute, every hour)';
  }
  if (cadence === 'daily' && !(PLAIN_NUMBER.test(minute) && PLAIN_NUMBER.test(hour))) {
    return 'a daily job needs a schedule like "30 4 * * *" (fixed minute and hour)';
  }
  return null;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const labelsSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'label keys: lowercase letters, digits, "_" or "-", starting with a letter, at most 63'),
  z.string().regex(/^[a-z0-9_-]{0,63}$/, 'label values: lowercase letters, digits, "_" or "-", at most 63'),
);

const bigquerySchema = z.strictObject({
  // no default: BigQuery runs a job where its datasets are; set it only to pin the location
  location: z.string().min(1).optional(),
  maximum_bytes_billed: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).default(JOB_DEFAULTS.maximum_bytes_billed),
  scratch_dataset: z
    .string()
    .regex(BQ_DATASET_RE, 'a BigQuery dataset id: letters, digits and underscores')
    .default(JOB_DEFAULTS.scratch_dataset),
  labels: labelsSchema.default({}),
});

const resourcesSchema = z.strictObject({
  cpu: z
    .union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?m?$/, 'a CPU count like "2" or "1000m"')])
    .transform(String)
    .default(JOB_DEFAULTS.cpu),
  memory: z.string().regex(/^[1-9]\d*(Mi|Gi)$/, 'a memory size like "512Mi" or "4Gi"').default(JOB_DEFAULTS.memory),
  timeout: z
    .string()
    .regex(/^[1-9]\d*s$/, 'a duration in seconds like "3600s"')
    .refine((t) => Number(t.slice(0, -1)) <= 604_800, 'at most "604800s" (Cloud Run Jobs allow 7 days)')
    .default(JOB_DEFAULTS.timeout),
  retries: z.number().int().min(0).max(10).default(JOB_DEFAULTS.retries),
  parallelism: z.number().int().min(0).max(10_000).default(JOB_DEFAULTS.parallelism),
});

export const jobSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,38}[a-z0-9]$/, 'lowercase letters, digits and "-", 2–40 chars (it names cloud resources)'),
    dataset: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'letters, digits, "_", "." or "-" (it is a path segment in the store)')
      .default(JOB_DEFAULTS.dataset),
    cadence: z.enum(['daily', 'hourly']),
    schedule: z.string().optional(),
    time_zone: z
      .string()
      .refine(isTimeZone, 'expected an IANA time zone such as "Etc/UTC" or "Europe/Stockholm"')
      .default(JOB_DEFAULTS.time_zone),
    warehouse: uriField(parseWarehouseUri).optional(),
    store: uriField(parseStoreUri).default(DEFAULT_STORE_URI),
    notify: uriField(parseNotifyUri).default(DEFAULT_NOTIFY_URI),
    spec: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    bigquery: bigquerySchema.default(() => bigquerySchema.parse({})),
    buckets: z.number().int().min(1).max(65_536).default(JOB_DEFAULTS.buckets),
    tasks: z.number().int().min(1).max(10_000).default(JOB_DEFAULTS.tasks),
    quality: z.record(z.string(), z.unknown()).default({}),
    resources: resourcesSchema.default(() => resourcesSchema.parse({})),
  })
  .superRefine((job, ctx) => {
    if (job.schedule !== undefined) {
      const why = checkSchedule(job.schedule, job.cadence);
      if (why) ctx.addIssue({ code: 'custom', path: ['schedule'], message: why });
    }
    if (job.resources.parallelism > job.tasks) {
      ctx.addIssue({ code: 'custom', path: ['resources', 'parallelism'], message: `at most tasks (${job.tasks})` });
    }
  });

export type JobConfig = z.output<typeof jobSchema>;
export type JobInput = z.input<typeof jobSchema>;

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_key':
      // a record key failed its own schema: its message says what keys may look like
      return issue.issues.map((i) => i.message).join('; ');
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

/**
 * `source: path: message` for every issue, e.g.
 * `jobs/nightly.yaml: quality.drift.max_row_change: expected number`. `basePath` prefixes the
 * paths when a sub-document (such as `quality`) is validated by its own schema.
 */
export function describeIssues(source: string, error: z.ZodError, basePath: ReadonlyArray<PropertyKey> = []): string {
  return error.issues
    .map((issue) => {
      const where = formatPath([...basePath, ...issue.path]);
      return `${source}: ${where ? `${where}: ` : ''}${issueMessage(issue)}`;
    })
    .join('\n');
}

export interface LoadJobOptions {
  /** validates `quality` (its schema lives with the quality gates); errors are reported under `quality.` */
  qualitySchema?: z.ZodType;
}

/** Validate an already-parsed document; `source` names it in errors (a file path). */
export function parseJob(data: unknown, source: string, opts: LoadJobOptions = {}): JobConfig {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(`${source}: expected a mapping of job fields at the top level`);
  }
  const result = jobSchema.safeParse(data);
  if (!result.success) throw new UsageError(describeIssues(source, result.error));
  const job = result.data;
  if (opts.qualitySchema) {
    const q = opts.qualitySchema.safeParse(job.quality);
    if (!q.success) throw new UsageError(describeIssues(source, q.error, ['quality']));
    job.quality = q.data as Record<string, unknown>;
  }
  return job;
}

/** Read a job definition from YAML (`.yaml`/`.yml`) or JSON (`.json`) and validate it. */
export function loadJob(path: string, opts: LoadJobOptions = {}): JobConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(`${path}: cannot read job file (${code})`, { cause: err });
  }
  const ext = extname(path).toLowerCase();
  let data: unknown;
  if (ext === '.json') {
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`${path}: invalid JSON: ${(err as Error).message}`, { cause: err });
    }
  } else if (ext === '.yaml' || ext === '.yml') {
    try {
      data = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
    } catch (err) {
      const detail = err instanceof YAMLParseError ? err.message.split('\n')[0] : (err as Error).message;
      throw new UsageError(`${path}: invalid YAML: ${detail}`, { cause: err });
    }
  } else {
    throw new UsageError(`${path}: unsupported job file type "${ext || '(none)'}"; expected .yaml, .yml or .json`);
  }
  return parseJob(data, path, opts);
}

/** The embedded defaults: a daily job on the generated sample, local store and outbox, no cloud account. */
export function defaultJob(): JobConfig {
  return parseJob({ name: 'local', cadence: 'daily' }, '(defaults)');
}

/**
 * Environment overrides, for the deployed job (terraform sets these on the Cloud Run Job) and for
 * people who prefer env to flags. Precedence in the CLI: flag > environment > job file > default.
 */
export const ENV_OVERRIDES = {
  PROMOSCORE_WAREHOUSE: 'warehouse',
  PROMOSCORE_STORE: 'store',
  PROMOSCORE_NOTIFY: 'notify',
  PROMOSCORE_BQ_LOCATION: 'bigquery.location',
  PROMOSCORE_BQ_SCRATCH_DATASET: 'bigquery.scratch_dataset',
} as const;

/** A copy of `job` with the PROMOSCORE_* variables of `env` applied (and validated, naming the variable). */
export function withEnvironment(job: JobConfig, env: NodeJS.ProcessEnv = process.env): JobConfig {
  const out: JobConfig = { ...job, bigquery: { ...job.bigquery, labels: { ...job.bigquery.labels } } };
  const get = (k: keyof typeof ENV_OVERRIDES) => {
    const v = env[k];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const warehouse = get('PROMOSCORE_WAREHOUSE');
  if (warehouse) {
    parseWarehouseUri(warehouse, { flag: 'PROMOSCORE_WAREHOUSE' });
    out.warehouse = warehouse;
  }
  const store = get('PROMOSCORE_STORE');
  if (store) {
    parseStoreUri(store, { flag: 'PROMOSCORE_STORE' });
    out.store = store;
  }
  const notify = get('PROMOSCORE_NOTIFY');
  if (notify) {
    parseNotifyUri(notify, { flag: 'PROMOSCORE_NOTIFY' });
    out.notify = notify;
  }
  const location = get('PROMOSCORE_BQ_LOCATION');
  if (location) out.bigquery.location = location;
  const scratch = get('PROMOSCORE_BQ_SCRATCH_DATASET');
  if (scratch) {
    if (!BQ_DATASET_RE.test(scratch)) {
      throw new UsageError(`PROMOSCORE_BQ_SCRATCH_DATASET: invalid dataset id ${JSON.stringify(scratch)} (letters, digits, underscores)`);
    }
    out.bigquery.scratch_dataset = scratch;
  }
  return out;
}
