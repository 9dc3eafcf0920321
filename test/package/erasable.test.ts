/**
 * Node runs the TypeScript sources by stripping their types, which only works for erasable syntax:
 * no enums, namespaces, parameter properties, `import =`. tsc's erasableSyntaxOnly reports each of
 * them (TS1294); this runs the project's tsc over every source file Node may run, and over a sample
 * of each construct to show the check can fail.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');

/**
 * Every error tsc reports for a project with this tsconfig: `file:line TS1294` for non-erasable
 * syntax, and any other error whole (one that stops the check must not pass for a clean result).
 */
async function tscErrors(dir: string, tsconfig: object): Promise<string[]> {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  const out = await new Promise<string>((resolve) =>
    execFile(TSC, ['-p', dir, '--pretty', 'false'], { cwd: dir, maxBuffer: 64 << 20 }, (_err, stdout, stderr) => resolve(stdout + stderr)),
  );
  return out
    .split('\n')
    .filter((l) => /error TS\d+/.test(l))
    .map((l) => {
      const m = /^(.+?)\((\d+),\d+\): error (TS1294)\b/.exec(l);
      return m ? `${m[1].replace(/\\/g, '/').replace(/^.*\/(src|scripts|bench|test)\//, '$1/')}:${m[2]} ${m[3]}` : l.trim();
    });
}

describe('erasable syntax only', () => {
  it('tsconfig enforces it for the type check', () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    expect(config.compilerOptions.erasableSyntaxOnly).toBe(true);
    // type-only imports must say so, or Node keeps an import of something that does not exist at run time
    expect(config.compilerOptions.verbatimModuleSyntax).toBe(true);
  });

  it('the check finds each kind of non-erasable syntax', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'promoscore-erasable-'));
    try {
      writeFileSync(join(dir, 'param.ts'), 'export class A {\n  constructor(readonly x: number) {}\n}\n');
      writeFileSync(join(dir, 'enum.ts'), 'export const a = 1;\nexport enum E { a }\n');
      writeFileSync(join(dir, 'namespace.ts'), 'export namespace N {\n  export const y = 1;\n}\n');
      writeFileSync(join(dir, 'fine.ts'), 'export class B {\n  readonly x: number;\n  constructor(x: number) {\n    this.x = x;\n  }\n}\nexport type T = { a: number };\n');
      const found = await tscErrors(dir, {
        compilerOptions: { erasableSyntaxOnly: true, noEmit: true, types: [], module: 'nodenext', target: 'es2022' },
        include: ['*.ts'],
      });
      expect(found.sort()).toEqual(['enum.ts:2 TS1294', 'namespace.ts:1 TS1294', 'param.ts:2 TS1294']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no source file Node runs uses anything else (src, scripts, bench, test)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'promoscore-erasable-'));
    try {
      const found = await tscErrors(dir, {
        extends: join(ROOT, 'tsconfig.json'),
        compilerOptions: { erasableSyntaxOnly: true, noEmit: true, typeRoots: [join(ROOT, 'node_modules', '@types')] },
        include: ['src', 'scripts', 'bench', 'test'].map((d) => join(ROOT, d)),
      });
      expect(found).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
