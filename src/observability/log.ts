/**
 * Structured logs: one JSON object per line in Cloud Logging's format (severity, message,
 * logging.googleapis.com/labels) when stderr is not a terminal or with --log-format json; readable
 * lines on a terminal. Logs go to stderr so stdout stays for command output (--json, summaries).
 */
export type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR';
export type LogFormat = 'json' | 'text';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  notice(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** a logger whose lines carry extra labels (run id, job, dataset) */
  child(labels: Record<string, string>): Logger;
  readonly format: LogFormat;
}

const ORDER: Record<Severity, number> = { DEBUG: 0, INFO: 1, NOTICE: 2, WARNING: 3, ERROR: 4 };

export interface LoggerOptions {
  format?: LogFormat;
  level?: Severity;
  labels?: Record<string, string>;
  write?: (line: string) => void;
}

let chosenFormat: LogFormat | undefined;

/** The CLI's `--log-format`, chosen once at the edge for every logger the command creates. */
export function useLogFormat(format: LogFormat | undefined): void {
  chosenFormat = format;
}

export function defaultLogFormat(): LogFormat {
  if (chosenFormat) return chosenFormat;
  const env = process.env.PROMOSCORE_LOG_FORMAT;
  if (env === 'json' || env === 'text') return env;
  return process.stderr.isTTY ? 'text' : 'json';
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? defaultLogFormat();
  const min = ORDER[opts.level ?? ((process.env.PROMOSCORE_LOG_LEVEL as Severity) || 'INFO')] ?? 1;
  const labels = opts.labels ?? {};
  // on a terminal a line first clears whatever progress bar is drawn there (the bar redraws below it)
  const write = opts.write ?? ((line: string) => process.stderr.write((process.stderr.isTTY ? '\r\x1b[2K' : '') + line + '\n'));
  const emit = (severity: Severity, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[severity] < min) return;
    if (format === 'json') {
      // fields first: a field named severity, message or time must not overwrite the entry's own
      const entry: Record<string, unknown> = {
        ...(fields ?? {}),
        severity,
        message,
        time: new Date().toISOString(),
      };
      if (Object.keys(labels).length) entry['logging.googleapis.com/labels'] = labels;
      write(JSON.stringify(entry, jsonSafe));
    } else {
      const extra = fields && Object.keys(fields).length ? ' ' + formatFields(fields) : '';
      const tag = severity === 'INFO' || severity === 'NOTICE' ? '' : `${severity.toLowerCase()}: `;
      write(`${tag}${message}${extra}`);
    }
  };
  return {
    format,
    debug: (m, f) => emit('DEBUG', m, f),
    info: (m, f) => emit('INFO', m, f),
    notice: (m, f) => emit('NOTICE', m, f),
    warn: (m, f) => emit('WARNING', m, f),
    error: (m, f) => emit('ERROR', m, f),
    child: (extra) => createLogger({ ...opts, format, labels: { ...labels, ...extra }, write }),
  };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

function formatFields(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : JSON.stringify(v, jsonSafe)}`)
    .join(' ');
}

/** A logger that drops everything (library use, tests). */
export const silentLogger: Logger = createLogger({ format: 'json', write: () => {} });
