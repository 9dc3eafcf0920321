// Publishes a run of days into a store until it is killed (kill -9 tests).
import { OutboxNotifier } from '../../src/notify/outbox/notifier.ts';
import { publishSnapshot } from '../../src/snapshot/publish.ts';
import { LocalStore } from '../../src/store/local/store.ts';
import { makeTable, manifestFields } from './fixtures.ts';
import { D, DATASET, V } from './helpers.ts';

const a = JSON.parse(process.env.KILL_CHILD ?? '{}') as { store: string; outbox: string; days: number[] };
const store = new LocalStore(a.store);
const notifier = new OutboxNotifier(a.outbox);
const tables = a.days.map((d) => makeTable(600, d));
process.stdout.write('ready\n');
for (let k = 0; k < a.days.length; k++) {
  const d = a.days[k];
  await publishSnapshot({
    store, notifier, dataset: DATASET, version: V(d), asOf: D(d), table: tables[k], buckets: 8, manifest: manifestFields(`day-${d}`),
  });
}
process.stdout.write('done\n');
