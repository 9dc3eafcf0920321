/**
 * The container image is `npm pack` + production dependencies (see Dockerfile). No image can be
 * built here, so this proves the same thing from the outside: pack the project, install the
 * tarball without dev dependencies into an empty directory (offline, from the local npm cache),
 * and run the installed `promoscore` from there, on Node 24 (the Node running this test), as the
 * JavaScript that `npm pack` compiled into lib/: no TypeScript compiler or loader at run time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';
import { runtimeImports } from './imports.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  // npm_* variables of an enclosing `npm test` would leak settings (omit, prefix) into the child npm
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(?!config_cache$)/i.test(k)));
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: { ...base, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'promoscore-pack-'));
const app = join(dir, 'app');
let tarball = '';
let packedFiles: string[] = [];
let bin = '';
/** source files present when the package was packed (others may be added while the suite runs) */
const sourceFiles: Record<string, string[]> = {};

function listDir(d: string, ext: RegExp): string[] {
  if (!existsSync(join(ROOT, d))) return [];
  return readdirSync(join(ROOT, d), { recursive: true, encoding: 'utf8' })
    .filter((f) => ext.test(f))
    .map((f) => `${d}/${f}`.replace(/\\/g, '/'));
}

beforeAll(async () => {
  sourceFiles.src = listDir('src', /\.ts$/);
  sourceFiles.jobs = listDir('jobs', /\.ya?ml$/);
  sourceFiles.sql = listDir('sql', /\.sql$/);
  sourceFiles.specs = listDir('specs', /\.(ya?ml|json)$/);
  const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], ROOT);
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const info = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(dir, info[0].filename);
  packedFiles = info[0].files.map((f) => f.path);

  const { mkdirSync } = await import('node:fs');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'promoscore-install-check', private: true }));
  // no lockfile to write, no install scripts (the production dependencies ship prebuilt binaries)
  const common = ['install', '--omit=dev', '--no-audit', '--no-fund', '--no-save', '--no-package-lock', '--ignore-scripts', tarball];
  let inst = await run('npm', [...common, '--offline'], app);
  // a package missing from the local cache: allow the registry (and only the registry) once
  if (inst.code !== 0 && /ENOTCACHED/.test(inst.stderr)) inst = await run('npm', [...common, '--prefer-offline'], app);
  if (inst.code !== 0) throw new Error(`npm install of the tarball failed:\n${inst.stderr}`);
  bin = join(app, 'node_modules', '.bin', 'promoscore');
}, 240_000);

/** The installed `promoscore`, run by this test's Node (24) whatever `node` the PATH would find. */
function cli(args: string[], cwd: string): Promise<Result> {
  return run(process.execPath, [bin, ...args], cwd);
}

let helpRun: Promise<Result> | undefined;
/** `promoscore --help` from the installed package, run once and shared by the checks below. */
function help(): Promise<Result> {
  helpRun ??= cli(['--help'], app);
  return helpRun;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm pack', () => {
  it('ships the bin, every source file compiled, the SQL and the job files, and nothing of tests or infra', () => {
    expect(packedFiles).toContain('package.json');
    expect(packedFiles).toContain('bin/promoscore.mjs');
    // src/x.ts ships as lib/x.js, other files of src/ (the .wasm kernel) as lib/ copies; no TypeScript
    const shipped = (f: string) => (f.startsWith('src/') ? f.replace(/^src\//, 'lib/').replace(/\.ts$/, '.js') : f);
    const missing = Object.values(sourceFiles).flat().filter((f) => existsSync(join(ROOT, f)) && !packedFiles.includes(shipped(f)));
    expect(missing).toEqual([]);
    expect(packedFiles).toContain('lib/scoring/kernels/simd/fused.wasm');
    expect(packedFiles.filter((f) => /\.(ts|mts|cts)$/.test(f))).toEqual([]);
    expect(sourceFiles.src.length).toBeGreaterThan(5);
    expect(sourceFiles.jobs.length).toBeGreaterThanOrEqual(3);
    expect(packedFiles.filter((f) => /^(src|test|bench|terraform|docs|node_modules|\.promoscore)\//.test(f))).toEqual([]);
  });

  it('leaves no compiled lib/ behind in the checkout (postpack), where Node runs src/ directly', () => {
    expect(existsSync(join(ROOT, 'lib'))).toBe(false);
  });
});

describe('installed without dev dependencies', () => {
  it('has the production dependencies and none of the dev ones', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const nm = join(app, 'node_modules');
    for (const d of Object.keys(pkg.dependencies)) expect(existsSync(join(nm, d)), d).toBe(true);
    for (const d of Object.keys(pkg.devDependencies)) {
      // a dev dependency may only be present as a transitive dependency of a production one
      if (existsSync(join(nm, d))) expect(['@types/node'], `${d} installed in production`).toContain(d);
    }
    expect(existsSync(join(nm, 'vitest'))).toBe(false);
    expect(existsSync(join(nm, 'typescript'))).toBe(false);
    expect(existsSync(join(nm, 'tsx'))).toBe(false);
  });

  it('resolves every package the installed sources import', () => {
    const installed = join(app, 'node_modules', 'promoscore');
    const missing: string[] = [];
    for (const f of readdirSync(join(installed, 'lib'), { recursive: true, encoding: 'utf8' })) {
      if (!f.endsWith('.js')) continue;
      const text = readFileSync(join(installed, 'lib', f), 'utf8');
      for (const spec of runtimeImports(text)) {
        if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        // Node's lookup from node_modules/promoscore/lib/...: the package's own node_modules, then the app's
        if (!existsSync(join(installed, 'node_modules', name)) && !existsSync(join(app, 'node_modules', name))) missing.push(`lib/${f}: ${spec}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('runs `promoscore --help` on Node 24 (exit 0, lists the commands)', async () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
    const r = await help();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: promoscore/);
    expect(r.stdout).toMatch(/Exit codes/);
  });

  it('fails a bad flag with the usage exit code 2', async () => {
    const r = await cli(['--no-such-flag'], app);
    expect(r.code).toBe(2);
  });

  it('runs an embedded job end to end, and a rerun is a no-op', async () => {
    const h = await help();
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/^\s+run\b/m);
    const work = join(dir, 'work');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(work);
    const store = join(work, 'store');
    const outbox = join(work, 'outbox.ndjson');
    const args = ['run', '--scale', '0.02', '--as-of', '2026-11-20', '--store', `file://${store}`, '--notify', `file://${outbox}`, '--no-report', '--log-format', 'json'];
    const first = await cli(args, work);
    expect(first.code, first.stderr).toBe(0);
    const latest = JSON.parse(readFileSync(join(store, 'promo_scores', 'LATEST'), 'utf8')) as { version: string; manifest: string };
    expect(existsSync(join(store, 'promo_scores', latest.manifest))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(store, 'promo_scores', latest.manifest), 'utf8')) as { stats: { rows: number }; shards: unknown[] };
    expect(manifest.stats.rows).toBeGreaterThan(0);
    expect(manifest.shards.length).toBeGreaterThan(0);
    const events = readFileSync(outbox, 'utf8').trim().split('\n');
    expect(events).toHaveLength(1);

    const again = await cli(args, work);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(store, 'promo_scores', 'LATEST'), 'utf8'))).toEqual(latest);
    expect(readFileSync(outbox, 'utf8').trim().split('\n')).toHaveLength(1);
  });
});
