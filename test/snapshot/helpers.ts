import type { Table } from 'apache-arrow';
import type { FaultHook } from '../../src/snapshot/contract.ts';
import { publishSnapshot, type PublishResult } from '../../src/snapshot/publish.ts';
import type { Notifier } from '../../src/notify/port.ts';
import { paths } from '../../src/snapshot/contract.ts';
import { readLatestVerified } from '../../src/snapshot/snapshot-reader.ts';
import { makeTable, manifestFields, type Workspace } from './fixtures.ts';

export const DATASET = 'promo_scores';

export interface PubArgs {
  version: string;
  asOf: string;
  table?: Table;
  seed?: number;
  faults?: FaultHook;
  notifier?: Notifier;
  replaceSameAsOf?: boolean;
  buckets?: number;
}

export function pub(ws: Workspace, a: PubArgs): Promise<PublishResult> {
  return publishSnapshot({
    store: ws.store,
    notifier: a.notifier ?? ws.notifier,
    dataset: DATASET,
    version: a.version,
    asOf: a.asOf,
    table: a.table ?? makeTable(240, a.seed ?? 1),
    buckets: a.buckets ?? 4,
    manifest: manifestFields(a.version),
    faults: a.faults,
    replaceSameAsOf: a.replaceSameAsOf,
  });
}

/** A simulated crash: thrown from the fault hook at one step. */
export class Crash extends Error {
  readonly step: string;

  constructor(step: string) {
    super(`crash at ${step}`);
    this.step = step;
  }
}

export function crashAt(step: string): FaultHook {
  return (s) => {
    if (s === step) throw new Crash(s);
  };
}

/** The invariant readers rely on: LATEST is absent or names a complete version whose checksums verify. */
export async function latestIsSound(ws: Workspace): Promise<string | null> {
  const check = await readLatestVerified(ws.store, DATASET);
  if (!check) return null;
  if (!check.ok) throw new Error(`LATEST names ${check.version}, which fails verification: ${JSON.stringify(check)}`);
  return check.version;
}

export async function announced(ws: Workspace, event = 'published'): Promise<string[]> {
  return (await ws.outbox()).filter((m) => m.attributes.event === event).map((m) => m.attributes.version);
}

export function shardPath(version: string, file: string): string {
  return paths.shard(DATASET, version, file);
}

export const V = (day: number, hex = 'a') => `202611${String(day).padStart(2, '0')}-${hex.repeat(12).slice(0, 12)}`;
export const D = (day: number) => `2026-11-${String(day).padStart(2, '0')}`;
