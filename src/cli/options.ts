/**
 * The options every command shares, declared once: where it reads and writes (`--job`, `--store`,
 * ...; resolved by config/resolve.ts with flag > PROMOSCORE_* > job file > default) and how it
 * prints (`--json`, `--log-format`).
 */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import { DEFAULT_NOTIFY_URI, DEFAULT_STORE_URI } from '../config/defaults.ts';
import { JOB_DEFAULTS } from '../config/job.ts';
import type { LogFormat } from '../observability/log.ts';

export interface ConfigOptionFlags {
  job?: string;
  warehouse?: string;
  store?: string;
  notify?: string;
  dataset?: string;
}

export interface OutputFlags {
  json?: boolean;
  logFormat?: string;
}

/** `--job`, `--store`, `--dataset`, and `--warehouse` / `--notify` for commands that use them; no commander defaults, so the resolver sees what was typed. */
export function addConfigOptions(cmd: Command, uses: { warehouse?: boolean; notify?: boolean } = {}): Command {
  cmd.option('--job <file>', 'job definition (YAML or JSON) for store, notifier, warehouse and dataset');
  if (uses.warehouse) cmd.option('--warehouse <uri>', 'bigquery://PROJECT/DATASET | duckdb:FILE | parquet:DIR (env PROMOSCORE_WAREHOUSE; default: generated sample)');
  cmd.option('--store <uri>', `gs://BUCKET/PREFIX | file://DIR (env PROMOSCORE_STORE; default: ${DEFAULT_STORE_URI})`);
  if (uses.notify) cmd.option('--notify <uri>', `pubsub://projects/P/topics/T | file://PATH.ndjson (env PROMOSCORE_NOTIFY; default: ${DEFAULT_NOTIFY_URI})`);
  cmd.option('--dataset <name>', `snapshot dataset (default: the job's, else ${JOB_DEFAULTS.dataset})`);
  return cmd;
}

/** `--json` (when the command prints a result) and `--log-format`. */
export function addOutputOptions(cmd: Command, opts: { json?: string | false } = {}): Command {
  if (opts.json !== false) cmd.option('--json', opts.json ?? 'machine-readable output on stdout');
  return addLogFormatOption(cmd);
}

export function addLogFormatOption(cmd: Command): Command {
  return cmd.option('--log-format <format>', 'json | text (default: text on a terminal, json otherwise)');
}

export function parseLogFormat(value: string | undefined): LogFormat | undefined {
  if (value === undefined) return undefined;
  if (value !== 'json' && value !== 'text') throw new UsageError(`--log-format: "${value}" must be json or text`);
  return value;
}

/**
 * A numeric flag within [lo, hi], with one message for every command; `integer` also refuses
 * fractions and anything but decimal digits ("1e3", "0x10").
 */
export function numberFlag(flag: string, value: string, lo: number, hi: number, opts: { integer?: boolean } = {}): number {
  const text = value.trim();
  const n = Number(text);
  const ok = text !== '' && Number.isFinite(n) && n >= lo && n <= hi && (!opts.integer || (Number.isSafeInteger(n) && /^-?\d+$/.test(text)));
  if (!ok) throw new UsageError(`${flag}: expected ${opts.integer ? 'an integer' : 'a number'} from ${lo} to ${hi}, got ${JSON.stringify(value)}`);
  return n;
}
