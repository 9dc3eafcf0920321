/**
 * The feature queries every adapter runs: the text of sql/NAME.sql and the parameters they take.
 * Adapters receive the GoogleSQL as it stands; each resolves placeholders and parameters its own way.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.ts';
import type { QueryParamValue } from './port.ts';

export const FEATURE_QUERIES = ['candidates', 'surfaces'] as const;
export type FeatureQueryName = (typeof FEATURE_QUERIES)[number];

export const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));

export function loadQuery(name: string): string {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new UsageError(`bad query name ${JSON.stringify(name)}`);
  try {
    return readFileSync(`${SQL_DIR}${name}.sql`, 'utf8');
  } catch (err) {
    throw new UsageError(`no query sql/${name}.sql`, { cause: err });
  }
}

export interface FeatureParamOptions {
  /** engagement window in days, [as_of - window_days, as_of); default 28 */
  windowDays?: number;
  /** days of impressions behind the forecast, [as_of - forecast_days, as_of); default 7 */
  forecastDays?: number;
  /** half-life in days of the engagement window's recency weights; 0 (default): every day counts fully */
  halfLifeDays?: number;
  /** restrict to these markets (a task's share); empty or absent = every market */
  markets?: readonly string[];
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** The named parameters of sql/candidates.sql and sql/surfaces.sql. */
export function featureParams(asOf: string, opts: FeatureParamOptions = {}): Record<string, QueryParamValue> {
  const date = asOf.slice(0, 10);
  if (!DATE_RE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new UsageError(`--as-of: expected a date YYYY-MM-DD (or an hour YYYY-MM-DDTHH), got ${JSON.stringify(asOf)}`);
  }
  const windowDays = opts.windowDays ?? 28;
  if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 366) {
    throw new UsageError(`window_days must be an integer from 1 to 366, got ${windowDays}`);
  }
  const forecastDays = opts.forecastDays ?? 7;
  if (!Number.isInteger(forecastDays) || forecastDays < 1 || forecastDays > 366) {
    throw new UsageError(`forecast_days must be an integer from 1 to 366, got ${forecastDays}`);
  }
  const halfLifeDays = opts.halfLifeDays ?? 0;
  if (!(Number.isFinite(halfLifeDays) && halfLifeDays >= 0)) {
    throw new UsageError(`half_life_days must be a number >= 0, got ${halfLifeDays}`);
  }
  return {
    as_of: { type: 'DATE', value: date },
    window_days: { type: 'INT64', value: windowDays },
    forecast_days: { type: 'INT64', value: forecastDays },
    half_life_days: { type: 'FLOAT64', value: halfLifeDays },
    markets: { type: 'ARRAY<STRING>', value: [...(opts.markets ?? [])] },
  };
}
