import type { NotificationAttributes, NotificationEvent } from '../port.ts';

/** The contract's attribute names (docs/architecture.md, "Contracts"): no more, no fewer. */
export const NOTIFICATION_KEYS = ['dataset', 'version', 'manifest_uri', 'as_of', 'rows', 'event'] as const;
const EVENTS: readonly NotificationEvent[] = ['published', 'rolled_back'];

export class InvalidNotificationError extends Error {
  override name = 'InvalidNotificationError';
}

/**
 * Checks a set of attributes against the contract and returns exactly the contract's keys.
 * Throws InvalidNotificationError naming the offending attribute.
 */
export function toContractAttributes(attrs: Record<string, unknown>): NotificationAttributes {
  const out: Record<string, string> = {};
  for (const k of NOTIFICATION_KEYS) {
    const v = attrs[k];
    if (typeof v !== 'string') throw new InvalidNotificationError(`attribute "${k}" is ${v === undefined ? 'missing' : `not a string (${typeof v})`}`);
    out[k] = v;
  }
  const extra = Object.keys(attrs).filter((k) => !(NOTIFICATION_KEYS as readonly string[]).includes(k));
  if (extra.length) throw new InvalidNotificationError(`unexpected attribute(s): ${extra.join(', ')}`);
  if (!out.dataset) throw new InvalidNotificationError('attribute "dataset" is empty');
  if (!out.version) throw new InvalidNotificationError('attribute "version" is empty');
  if (!EVENTS.includes(out.event as NotificationEvent)) {
    throw new InvalidNotificationError(`attribute "event" is ${JSON.stringify(out.event)}, expected one of ${EVENTS.join(', ')}`);
  }
  if (!/^\d+$/.test(out.rows)) throw new InvalidNotificationError(`attribute "rows" is ${JSON.stringify(out.rows)}, not a non-negative integer`);
  return out as unknown as NotificationAttributes;
}
