import { parse as parseYaml } from 'yaml';
import { UsageError } from '../core/errors.ts';
import { parseJob, type JobConfig, type LoadJobOptions } from './job.ts';

/**
 * `--set key=value`: one job setting overridden for one invocation, e.g.
 * `--set quality.output.max_row_change=3` after a drift the operator understands. The key is a dotted
 * path into the job document, the value a YAML scalar (3, 0.25, true, drop); the result is validated by
 * the job schema again, so a mistyped key or a wrong type fails at exit 2 naming it.
 * Precedence: --set > other flags' defaults > environment > job file > defaults (flags that name a
 * setting, like --store, still win over a --set of the same setting).
 */
export interface Setting {
  key: string;
  path: string[];
  value: unknown;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function parseSetting(text: string): Setting {
  const eq = text.indexOf('=');
  const key = eq > 0 ? text.slice(0, eq).trim() : '';
  if (!KEY.test(key)) throw new UsageError(`--set: "${text}" must be key=value with a dotted key, e.g. quality.output.max_row_change=3`);
  const raw = text.slice(eq + 1).trim();
  let value: unknown = raw;
  try {
    value = raw === '' ? '' : parseYaml(raw);
  } catch {
    value = raw;
  }
  if (value !== null && typeof value === 'object') throw new UsageError(`--set ${key}: the value must be a scalar (a number, a word, true/false)`);
  return { key, path: key.split('.'), value };
}

/** `job` with every setting applied in order, validated as a whole again. */
export function withSettings(job: JobConfig, settings: readonly string[], opts: LoadJobOptions = {}): JobConfig {
  if (!settings.length) return job;
  const doc = structuredClone(job) as Record<string, unknown>;
  for (const text of settings) {
    const s = parseSetting(text);
    let at: Record<string, unknown> = doc;
    for (const [i, part] of s.path.entries()) {
      if (i === s.path.length - 1) {
        at[part] = s.value;
        break;
      }
      const next = at[part];
      if (next === undefined) at[part] = {};
      else if (next === null || typeof next !== 'object' || Array.isArray(next)) {
        throw new UsageError(`--set ${s.key}: ${s.path.slice(0, i + 1).join('.')} is not a section of the job`);
      }
      at = at[part] as Record<string, unknown>;
    }
  }
  return parseJob(doc, '--set', opts);
}
