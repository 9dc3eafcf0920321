/**
 * gs:// store throughput through the real client against the local GCS double: shard-sized writes
 * (multipart below the resumable threshold, resumable above it) and reads with crc32c checks, next
 * to the local directory store on the same bytes in the same run. It measures the adapter and the
 * client's overhead on loopback, not Cloud Storage itself (no network, no service latency).
 *
 *   node bench/gcs.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { seededBytes as seeded } from '../test/support/seeded-bytes.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createGcsStore } from '../src/store/gcs/store.ts';
import { LocalStore } from '../src/store/local/store.ts';
import type { ObjectStore } from '../src/store/port.ts';
import { startGcsDouble } from '../test/doubles/gcs/server.ts';

const MiB = 1024 * 1024;


interface Case {
  name: string;
  count: number;
  size: number;
}

async function measure(store: ObjectStore, c: Case, tag: string, blobs: Uint8Array[]) {
  const t0 = performance.now();
  for (let i = 0; i < c.count; i++) await store.create(`${tag}/${c.name}/part-${i}`, blobs[i % blobs.length]);
  const t1 = performance.now();
  let bytes = 0;
  for (let i = 0; i < c.count; i++) bytes += (await store.read(`${tag}/${c.name}/part-${i}`))!.data.byteLength;
  const t2 = performance.now();
  const total = c.count * c.size;
  if (bytes !== total) throw new Error(`read back ${bytes} bytes, wrote ${total}`);
  return { writeMBs: total / MiB / ((t1 - t0) / 1000), readMBs: total / MiB / ((t2 - t1) / 1000) };
}

export async function run(): Promise<void> {
  const cases: Case[] = [
    { name: '64 x 1 MiB (multipart)', count: 64, size: 1 * MiB },
    { name: '4 x 32 MiB (resumable)', count: 4, size: 32 * MiB },
  ];
  const double = await startGcsDouble();
  double.createBucket('bench');
  const dir = await mkdtemp(join(tmpdir(), 'promoscore-bench-gcs-'));
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const gcs = createGcsStore({ kind: 'gcs', uri: 'gs://bench/run', bucket: 'bench', prefix: 'run' }, { apiEndpoint: double.endpoint });
    const local = new LocalStore(dir);
    console.log('case                         gs:// write  gs:// read  local write  local read  (MB/s; gs:// / local)');
    for (const c of cases) {
      const blobs = [seeded(c.size, 1), seeded(c.size, 2)];
      const g = await measure(gcs, c, 'g', blobs);
      const l = await measure(local, c, 'l', blobs);
      console.log(
        `${c.name.padEnd(28)} ${g.writeMBs.toFixed(0).padStart(9)}  ${g.readMBs.toFixed(0).padStart(10)}  ${l.writeMBs
          .toFixed(0)
          .padStart(11)}  ${l.readMBs.toFixed(0).padStart(10)}  (write ${(g.writeMBs / l.writeMBs).toFixed(2)}x, read ${(g.readMBs / l.readMBs).toFixed(2)}x)`,
      );
    }
  } finally {
    clearInterval(sampler);
    await double.close();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`peak RSS ${(peak / MiB).toFixed(0)} MiB (the double holds every object in memory)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
