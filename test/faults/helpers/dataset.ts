import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll } from 'vitest';
import { generateSample } from '../../../src/sample/generate.ts';
import { tempDir } from '../../support/temp.ts';

/**
 * Hostile datasets for the fault tests: a small valid sample written once, then copied and spoiled
 * one way per case by SQL over the seven tables (DuckDB COPY back to Parquet) or by patching bytes.
 */
export const AS_OF = '2026-11-20';
export const TABLES = ['campaigns', 'campaign_targets', 'tracks', 'track_restrictions', 'licensors', 'engagement_daily', 'surface_capacity'] as const;

/** A valid sample small enough to run many times (scale 0.02: ~2k candidate rows). */
export async function baseSample(root: string, scale = 0.02, asOf = AS_OF): Promise<string> {
  const dir = join(root, 'base');
  await generateSample({ outDir: dir, scale, seed: 20261120, asOf });
  return dir;
}

export function copyDataset(from: string, to: string): string {
  cpSync(from, to, { recursive: true });
  return to;
}

/**
 * Loads every table of `dir` into an in-memory DuckDB as tables of the same name, runs `statements`,
 * and writes the tables named in `write` back as Parquet. Tables in `drop` lose their file.
 */
export async function spoil(dir: string, statements: string[], write: string[], drop: string[] = []): Promise<void> {
  const ext = join(dir, '.ext');
  const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', extension_directory: ext, threads: '1' });
  const conn = await db.connect();
  try {
    for (const t of TABLES) await conn.run(`CREATE TABLE ${t} AS SELECT * FROM read_parquet('${join(dir, `${t}.parquet`)}')`);
    for (const s of statements) {
      const r = await conn.run(s);
      // a spoil that touches nothing would test nothing: the case must change the data it claims to
      if (/^\s*(UPDATE|DELETE|INSERT)\b/i.test(s) && r.rowsChanged === 0) throw new Error(`spoil changed no row: ${s.slice(0, 200)}`);
    }
    for (const t of write) await conn.run(`COPY ${t} TO '${join(dir, `${t}.parquet`)}' (FORMAT parquet, COMPRESSION uncompressed)`);
  } finally {
    conn.closeSync();
    db.closeSync();
    rmSync(ext, { recursive: true, force: true });
  }
  for (const t of drop) rmSync(join(dir, `${t}.parquet`));
}

/** Replaces every occurrence of `from` by `to` (same length) in a file: how invalid UTF-8 gets into a string column. */
export function patchBytes(file: string, from: Uint8Array, to: Uint8Array): number {
  if (from.length !== to.length) throw new Error('patch must keep the length');
  const buf = Buffer.from(readFileSync(file));
  let n = 0;
  for (let i = buf.indexOf(from); i >= 0; i = buf.indexOf(from, i + 1)) {
    buf.set(to, i);
    n++;
  }
  writeFileSync(file, buf);
  return n;
}

/**
 * The default scoring spec with a loose certificate tolerance. The fault tests are about crashes,
 * races and inputs, not about solver accuracy (unit tests gate the certificate): they must not turn
 * red when a solver change moves a sample's gap.
 */
export function faultSpec(root: string): string {
  const text = readFileSync(new URL('../../../specs/default.yaml', import.meta.url), 'utf8');
  const loose = text.replace(/^(\s*tolerance:\s*)[0-9.eE+-]+/m, '$10.1');
  if (loose === text) throw new Error('specs/default.yaml has no tolerance line to loosen');
  const file = join(root, 'fault-spec.yaml');
  writeFileSync(file, loose);
  return file;
}

export interface FaultSuiteDirs {
  /** the suite's temp directory, removed after its tests */
  root: string;
  /** the valid base sample under it */
  base: string;
  /** the fault spec (loose certificate tolerance) */
  spec: string;
}

/**
 * The fault suites' setup: before the file's tests a temp root with a base sample and the fault spec,
 * handed to `use`; after them the root removed.
 */
export function useFaultSuite(tag: string, use: (dirs: FaultSuiteDirs) => void, scale?: number): void {
  let cleanup = () => {};
  beforeAll(async () => {
    const t = tempDir(tag);
    cleanup = t.cleanup;
    use({ root: t.dir, base: await baseSample(t.dir, scale), spec: faultSpec(t.dir) });
  });
  afterAll(() => cleanup());
}
