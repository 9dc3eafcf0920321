import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exitCodeOf, PromoscoreError } from '../../../src/core/errors.ts';
import { silentLogger } from '../../../src/observability/log.ts';
import { runJob, type RunResult } from '../../../src/run/run-job.ts';
import { copyDataset } from './dataset.ts';
import type { HostileCase } from './corpus.ts';
import { storeState, storeUri, type StoreState } from './store-state.ts';

export interface CaseRun {
  code: number;
  error?: Error;
  /** the error is one the CLI prints as a message, not as a crash trace */
  foreseen: boolean;
  result?: RunResult;
  state: StoreState;
  storeDir: string;
}

/** Runs one hostile case through the job (the code path of `promoscore run`) on a fresh store. */
export async function runCase(c: HostileCase, base: string, root: string, asOf: string, spec?: string): Promise<CaseRun> {
  const slug = c.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const dir = copyDataset(base, join(root, slug, 'data'));
  await c.make(dir);
  const storeDir = join(root, slug, 'store');
  const outbox = join(root, slug, 'outbox.ndjson');
  // one bucket: the corpus is about inputs, and every shard file costs an fsync
  const job = join(root, slug, 'job.json');
  writeFileSync(job, JSON.stringify({ name: 'faults', cadence: 'daily', buckets: 1, quality: c.quality ?? {} }));
  try {
    const result = await runJob(
      { job, asOf, warehouse: `parquet:${dir}`, store: storeUri(storeDir), notify: pathToFileURL(outbox).href, spec, reportDir: null },
      silentLogger,
    );
    return { code: 0, foreseen: true, result, state: await storeState(storeDir, outbox), storeDir };
  } catch (err) {
    return {
      code: exitCodeOf(err),
      error: err as Error,
      foreseen: err instanceof PromoscoreError && !/^run failed: /.test((err as Error).message),
      state: await storeState(storeDir, outbox),
      storeDir,
    };
  }
}
