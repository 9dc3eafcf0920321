// A separate process publishing into a shared store: used by the multi-process race tests.
import { existsSync, writeFileSync } from 'node:fs';
import { exitCodeOf } from '../../src/core/errors.ts';
import { OutboxNotifier } from '../../src/notify/outbox/notifier.ts';
import { publishSnapshot } from '../../src/snapshot/publish.ts';
import { LocalStore } from '../../src/store/local/store.ts';
import { makeTable, manifestFields } from './fixtures.ts';

const a = JSON.parse(process.env.PUBLISH_CHILD ?? '{}') as {
  store: string; outbox: string; dataset: string; version: string; asOf: string; seed: number; barrier: string;
};
writeFileSync(`${a.barrier}.ready.${process.pid}`, '');
while (!existsSync(a.barrier)) await new Promise((r) => setTimeout(r, 2));
try {
  const r = await publishSnapshot({
    store: new LocalStore(a.store), notifier: new OutboxNotifier(a.outbox), dataset: a.dataset, version: a.version,
    asOf: a.asOf, table: makeTable(600, a.seed), buckets: 8, manifest: manifestFields(`child-${process.pid}`),
  });
  process.stdout.write(JSON.stringify({ status: r.status, version: r.version }) + '\n');
  process.exitCode = 0;
} catch (err) {
  process.stdout.write(JSON.stringify({ error: (err as Error).name, message: (err as Error).message }) + '\n');
  process.exitCode = exitCodeOf(err);
}
