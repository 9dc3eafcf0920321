import { afterAll, beforeAll } from 'vitest';
import { storeContract } from '../contracts/store.contract.ts';
import { openGcsTarget, type GcsTarget } from './target.ts';

let target: GcsTarget;
beforeAll(async () => {
  target = await openGcsTarget();
});
afterAll(async () => {
  await target?.close();
});

storeContract('gs:// (multipart uploads)', async () => {
  const store = await target.makeStore();
  return { store, cleanup: () => target.cleanup(store) };
});

// The same contract with every non-empty object sent as a chunked resumable upload.
storeContract('gs:// (resumable uploads, 256 KiB chunks)', async () => {
  const store = await target.makeStore({ resumableThreshold: 1, resumableChunkSize: 256 * 1024 });
  return { store, cleanup: () => target.cleanup(store) };
});
