import { UsageError } from '../core/errors.ts';

/**
 * The run's logical time: a date (daily jobs) or an hour (hourly jobs). Features always cover the
 * window that ends just before it, so a run for 2026-11-25 reads events of 2026-11-24 and earlier.
 */
export interface AsOf {
  /** as given / canonical: YYYY-MM-DD or YYYY-MM-DDTHH */
  text: string;
  /** the date part, YYYY-MM-DD */
  date: string;
  hour: number | null;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HOUR = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(?::00(?::00)?Z?)?$/;

export function parseAsOf(text: string, flag = '--as-of'): AsOf {
  const h = HOUR.exec(text);
  const d = DATE.exec(text);
  const m = h ?? d;
  if (!m) throw new UsageError(`${flag}: "${text}" is neither a date (YYYY-MM-DD) nor an hour (YYYY-MM-DDTHH)`);
  const [y, mo, da] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, da));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== da) {
    throw new UsageError(`${flag}: "${text}" is not a calendar date`);
  }
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  if (h) {
    const hour = Number(h[4]);
    if (hour > 23) throw new UsageError(`${flag}: hour ${hour} is out of range 00-23`);
    return { text: `${date}T${h[4]}`, date, hour };
  }
  return { text: date, date, hour: null };
}

/** The default logical time of a cadence at `now`: today's date (daily) or the current hour (hourly), UTC. */
export function defaultAsOf(cadence: 'daily' | 'hourly', now = new Date()): AsOf {
  const iso = now.toISOString();
  return parseAsOf(cadence === 'hourly' ? iso.slice(0, 13) : iso.slice(0, 10));
}
