/**
 * What `doctor` asks of each configured part: can this process reach it and do what a run needs
 * (read inputs; list, write and delete objects; publish notifications)? A probe resolves with a
 * detail on success and throws on failure; it never changes anything a reader could see.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseNotifyUri } from '../../config/uri.ts';
import { InfraError } from '../../core/errors.ts';
import { openStore } from '../../store/open.ts';
import { openJobWarehouse } from '../../warehouse/open.ts';
import type { JobConfig } from '../../config/job.ts';

/** The warehouse answers a metadata question about every input table (no query is billed). */
export async function probeWarehouse(uri: string | undefined, job: JobConfig): Promise<string> {
  if (uri === undefined) return 'the generated sample (DuckDB, written under ./.promoscore/sample on first run)';
  const warehouse = await openJobWarehouse(uri, job);
  try {
    const tables = await warehouse.describeInputs();
    const rows = tables.reduce((s, t) => s + t.rows, 0);
    return `${tables.length} input tables, ${rows.toLocaleString('en-US')} rows`;
  } finally {
    await warehouse.close();
  }
}

/** The store lists, creates and deletes: a probe object under `_doctor/`, removed at once. */
export async function probeStore(uri: string, dataset: string): Promise<string> {
  const store = await openStore(uri);
  try {
    const objects = await store.list(`${dataset}/`);
    const probe = `_doctor/probe-${process.pid}-${randomBytes(6).toString('hex')}`;
    await store.create(probe, new TextEncoder().encode('promoscore doctor\n'), { contentType: 'text/plain' });
    await store.delete(probe);
    const latest = await store.stat(`${dataset}/LATEST`);
    return `list, create and delete allowed; ${objects.length} objects of ${dataset}${latest ? '' : ', no LATEST yet'}`;
  } finally {
    await store.close?.();
  }
}

/** The notifier's target exists and may be published to; nothing is sent (readers would act on it). */
export async function probeNotifier(uri: string): Promise<string> {
  const target = parseNotifyUri(uri);
  if (target.kind === 'file') {
    const existing = existsSync(target.path) ? target.path : nearestExisting(dirname(target.path));
    if (existsSync(target.path) && !statSync(target.path).isFile()) throw new InfraError(`${target.path} is not a file`);
    try {
      accessSync(existing, constants.W_OK);
    } catch (err) {
      throw new InfraError(`${existing} is not writable (${(err as NodeJS.ErrnoException).code})`);
    }
    if (existing !== target.path && !statSync(existing).isDirectory()) throw new InfraError(`${existing} is a file, so ${target.path} cannot be created`);
    return existsSync(target.path) ? 'the outbox is writable' : 'the outbox will be created on first publish';
  }
  const { makePubSub } = await import('../../notify/pubsub/client.ts');
  const pubsub = makePubSub(target.project);
  try {
    const topic = pubsub.topic(target.topic);
    const [exists] = await topic.exists();
    if (!exists) throw new InfraError(`topic ${target.name} does not exist (or this identity may not see it)`);
    try {
      const [granted] = await topic.iam.testPermissions(['pubsub.topics.publish']);
      if (!granted['pubsub.topics.publish']) throw new InfraError(`this identity may not publish to ${target.name} (needs pubsub.topics.publish)`);
      return 'the topic exists; publish allowed';
    } catch (err) {
      // the emulator has no IAM: existence is all it can tell
      if ((err as { code?: number }).code === 12) return 'the topic exists (permissions not checkable here)';
      throw err;
    }
  } finally {
    await pubsub.close();
  }
}

function nearestExisting(dir: string): string {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}
