/**
 * The sample `run` uses when no warehouse is given: generated once per (generator version, scale,
 * seed, as-of) under <root>/.promoscore/sample/<key>/ and reused afterwards. It is written into a
 * temp directory and renamed into place, so a reader never sees half a sample and two concurrent
 * runs cannot corrupt it (the loser of the rename discards its copy).
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { generateSample, parseDay } from './generate.ts';

/** bump when the generator's output changes, so old default samples are not reused */
export const SAMPLE_GENERATOR_VERSION = 3;

export interface DefaultSample {
  dir: string;
  /** warehouse URI of the sample: parquet:DIR */
  uri: string;
  created: boolean;
}

export async function ensureDefaultSample(rootDir: string, asOf: string, opts: { scale?: number; seed?: string | number } = {}): Promise<DefaultSample> {
  const date = asOf.slice(0, 10);
  parseDay(date);
  const scale = opts.scale ?? 1;
  const seed = String(opts.seed ?? 1);
  const base = resolve(rootDir, '.promoscore', 'sample');
  const key = `v${SAMPLE_GENERATOR_VERSION}-scale${scale}-seed${seed.replace(/[^A-Za-z0-9_-]/g, '_')}-${date}`;
  const dir = join(base, key);
  const done = () => existsSync(join(dir, 'sample.json'));
  if (done()) return { dir, uri: `parquet:${dir}`, created: false };
  mkdirSync(base, { recursive: true });
  const tmp = join(base, `.tmp-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await generateSample({ outDir: tmp, scale, seed, asOf: date });
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // another process put a complete sample there first: keep theirs
      if (!done()) throw err;
      return { dir, uri: `parquet:${dir}`, created: false };
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { dir, uri: `parquet:${dir}`, created: true };
}
