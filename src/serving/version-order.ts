import type { Manifest } from '../snapshot/contract.ts';
import { compareAsOf } from '../snapshot/version.ts';

/**
 * Versions move forward by (as_of, created_at, version): the logical time first (a date counts as
 * its hour 00, as the publisher orders them), then publish time for a forced republish of the same
 * as-of, then the name as a last tiebreak.
 */
export interface VersionKey {
  as_of: string;
  created_at: string;
  version: string;
}

export function versionKey(m: Pick<Manifest, 'as_of' | 'created_at' | 'version'>): VersionKey {
  return { as_of: String(m.as_of), created_at: String(m.created_at), version: String(m.version) };
}

/** <0 when a is older than b, 0 same, >0 newer. */
export function compareVersions(a: VersionKey, b: VersionKey): number {
  const asOf = compareAsOf(a.as_of, b.as_of);
  if (asOf !== 0) return asOf;
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  if (a.version !== b.version) return a.version < b.version ? -1 : 1;
  return 0;
}
