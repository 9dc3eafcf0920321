import { CorruptSnapshotError, InfraError, PreconditionFailedError, RaceLostError, UsageError } from '../core/errors.ts';
import type { Notifier } from '../notify/port.ts';
import { silentLogger, type Logger } from '../observability/log.ts';
import type { ObjectStore } from '../store/port.ts';
import { paths, type FaultHook, type LatestPointer, type Manifest } from './contract.ts';
import { checkSegment, isRolledBack, markers, putMarker } from './markers.ts';
import { encodeLatest, latestPointer, parseLatest } from './latest.ts';
import { readLatest } from './read.ts';
import { assertVerified, verifyVersion } from './snapshot-reader.ts';

export interface RollbackOptions {
  store: ObjectStore;
  notifier: Notifier;
  dataset: string;
  /** the version LATEST should name afterwards */
  to: string;
  /** allow a target that was itself rolled back once */
  force?: boolean;
  log?: Logger;
  faults?: FaultHook;
}

export interface RollbackResult {
  status: 'rolled-back' | 'already-current';
  /** the version LATEST named before (now marked rolled back); null when already current */
  from: string | null;
  to: string;
  /** whether this call sent a `rolled_back` notification */
  notified: boolean;
}

/**
 * Moves LATEST back to an earlier, fully verified version by compare-and-swap, marks the version it
 * replaces as rolled back (before the swap, so a crash never leaves it current and unmarked), and
 * announces the target with event `rolled_back`. Rerunnable: a rerun after a crash finishes the
 * swap or re-sends the notification.
 */
export async function rollback(o: RollbackOptions): Promise<RollbackResult> {
  const { store, dataset, to } = o;
  const log = (o.log ?? silentLogger).child({ dataset });
  const fault = o.faults ?? (() => {});
  checkSegment('dataset', dataset);
  checkSegment('version', to);

  let target: Manifest;
  let targetSha256: string;
  try {
    const check = await verifyVersion(store, dataset, to);
    target = assertVerified(check);
    targetSha256 = check.manifestSha256!;
  } catch (err) {
    if (err instanceof CorruptSnapshotError) throw new UsageError(`cannot roll back to ${to}: ${err.message}`);
    throw err;
  }
  if (!o.force && (await isRolledBack(store, dataset, to))) {
    throw new UsageError(`${to} was itself rolled back before; pass --force to make it current again`);
  }

  // A missing LATEST (deleted by hand, say) is restored: the swap then expects no object.
  const latest = await store.read(paths.latest(dataset));
  const current = latest ? readablePointer(latest.data, paths.latest(dataset)) : null;
  if (current?.version === to) {
    // a previous rollback may have crashed between the swap and the notification
    const notified = await notifyPending(o, target, fault);
    return { status: 'already-current', from: null, to, notified };
  }
  const from = current?.version ?? null;
  if (from) {
    await putMarker(store, markers.rolledBack(dataset, from), { version: from, rolled_back_to: to, at: new Date().toISOString() });
    await fault('marked');
  }

  try {
    await store.swap(paths.latest(dataset), encodeLatest(latestPointer(to, targetSha256)), latest?.generation ?? null, {
      contentType: 'application/json',
    });
  } catch (err) {
    if (err instanceof PreconditionFailedError) {
      throw new RaceLostError(`LATEST of ${dataset} changed during the rollback; look at \`snapshots list\` and retry`);
    }
    throw err;
  }
  log.notice('LATEST rolled back', { from, to });
  await fault('after-swap');

  const back = await readLatest(store, dataset);
  if (back?.pointer.version !== to) {
    throw new RaceLostError(`LATEST of ${dataset} moved to ${back?.pointer.version ?? 'nothing'} right after the rollback`);
  }
  assertVerified(await verifyVersion(store, dataset, to));
  await fault('read-back');
  const notified = await notifyPending(o, target, fault);
  return { status: 'rolled-back', from, to, notified };
}

/** LATEST as it is, or null when it is damaged: the rollback then restores it. */
function readablePointer(data: Uint8Array, where: string): LatestPointer | null {
  try {
    return parseLatest(data, where);
  } catch (err) {
    if (err instanceof CorruptSnapshotError) return null;
    throw err;
  }
}

/** Sends `rolled_back` for every rollback to `to` whose notification is not recorded yet. */
async function notifyPending(o: RollbackOptions, target: Manifest, fault: FaultHook): Promise<boolean> {
  const dir = markers.rolledBackDir(o.dataset);
  const pending: string[] = [];
  const objs = await o.store.list(dir);
  const names = new Set(objs.map((x) => x.path.slice(dir.length)));
  for (const name of names) {
    if (name.endsWith('.notified') || names.has(`${name}.notified`)) continue;
    const got = await o.store.read(`${dir}${name}`);
    if (!got) continue;
    try {
      if (JSON.parse(Buffer.from(got.data).toString('utf8')).rolled_back_to === o.to) pending.push(name);
    } catch {
      // a damaged marker still marks the version; it just carries no target
    }
  }
  if (!pending.length) return false;
  await fault('before-notify');
  try {
    await o.notifier.publish({
      dataset: o.dataset,
      version: o.to,
      manifest_uri: o.store.uriOf(paths.manifest(o.dataset, o.to)),
      as_of: target.as_of,
      rows: String(target.stats.rows),
      event: 'rolled_back',
    });
  } catch (err) {
    throw new InfraError(`LATEST of ${o.dataset} is back on ${o.to} but the notification failed: ${(err as Error).message}; rerun the rollback to send it`, {
      cause: err,
    });
  }
  await fault('after-notify');
  for (const name of pending) await putMarker(o.store, markers.rollbackNotified(o.dataset, name), { at: new Date().toISOString() });
  return true;
}
