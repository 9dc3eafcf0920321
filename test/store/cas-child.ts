// A separate process incrementing a counter object by read + compare-and-swap (lost-update probe).
import { existsSync, writeFileSync } from 'node:fs';
import { PreconditionFailedError } from '../../src/core/errors.ts';
import { LocalStore } from '../../src/store/local/store.ts';

const { dir, times, barrier } = JSON.parse(process.env.CAS_CHILD ?? '{}') as { dir: string; times: number; barrier: string };
writeFileSync(`${barrier}.ready.${process.pid}`, '');
while (!existsSync(barrier)) await new Promise((r) => setTimeout(r, 2));
const store = new LocalStore(dir);
let conflicts = 0;
for (let done = 0; done < times; ) {
  const cur = (await store.read('ctr'))!;
  const next = String(Number(Buffer.from(cur.data).toString()) + 1);
  try {
    await store.swap('ctr', Buffer.from(next), cur.generation);
    done++;
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err;
    conflicts++;
  }
}
process.stdout.write(JSON.stringify({ conflicts }) + '\n');
