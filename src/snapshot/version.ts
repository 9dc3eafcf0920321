import { randomBytes } from 'node:crypto';
import { UsageError } from '../core/errors.ts';
import { canonicalJson, sha256Hex } from '../core/hash.ts';

export interface VersionIdentity {
  dataset: string;
  /** YYYY-MM-DD (daily) or YYYY-MM-DDTHH (hourly) */
  asOf: string;
  specHash: string;
  inputFingerprint: string;
  /** a forced republish: the id gets a fresh suffix, so it is a new version */
  force?: boolean;
  /** the version whose prices warm-started the solver (null: a cold start); part of the identity when given */
  warmStartFrom?: string | null;
}

const AS_OF = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}))?$/;

/**
 * The version id of a run's identity: `20261125-<12 hex>` for a date, `20261125T13-<12 hex>` for an
 * hour. Ids sort by as-of first, and the same identity always gets the same id, which is what makes a
 * rerun a no-op. `force` appends `-f<time><random>` so the republish cannot collide with anything.
 */
export function versionId(id: VersionIdentity): string {
  const m = AS_OF.exec(id.asOf);
  if (!m) throw new UsageError(`as-of "${id.asOf}" is neither YYYY-MM-DD nor YYYY-MM-DDTHH`);
  const stamp = `${m[1]}${m[2]}${m[3]}${m[4] !== undefined ? `T${m[4]}` : ''}`;
  const hex = sha256Hex(
    canonicalJson({
      dataset: id.dataset, as_of: id.asOf, spec_hash: id.specHash, input_fingerprint: id.inputFingerprint,
      ...(id.warmStartFrom !== undefined ? { warm_start_from: id.warmStartFrom } : {}),
    }),
  ).slice(0, 12);
  const base = `${stamp}-${hex}`;
  if (!id.force) return base;
  return `${base}-f${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Compares two as-of values in time order (a date counts as its hour 00). */
export function compareAsOf(a: string, b: string): number {
  const ka = a.length === 10 ? `${a}T00` : a;
  const kb = b.length === 10 ? `${b}T00` : b;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
