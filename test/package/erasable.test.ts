/**
 * Node runs the TypeScript sources by stripping their types, which only works for erasable syntax:
 * no enums, namespaces, parameter properties, `import =`. tsc's erasableSyntaxOnly reports each of
 * them (TS1294); this checks every source file Node may run, without type-checking (fast).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** `file:line` of every non-erasable construct in the given files (name -> text). */
function nonErasable(sources: Map<string, string>): string[] {
  const options: ts.CompilerOptions = {
    noEmit: true,
    erasableSyntaxOnly: true,
    noResolve: true,
    noLib: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    allowImportingTsExtensions: true,
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    sources.has(name) ? ts.createSourceFile(name, sources.get(name)!, lang) : read(name, lang, ...rest);
  const program = ts.createProgram([...sources.keys()], options, host);
  return [...sources.keys()].flatMap((name) => {
    const sf = program.getSourceFile(name)!;
    return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]
      .filter((d) => d.code === 1294)
      .map((d) => `${name}:${sf.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`);
  });
}

describe('erasable syntax only', () => {
  it('tsconfig enforces it for the type check', () => {
    const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile).config as { compilerOptions: Record<string, unknown> };
    expect(config.compilerOptions.erasableSyntaxOnly).toBe(true);
    // type-only imports must say so, or Node keeps an import of something that does not exist at run time
    expect(config.compilerOptions.verbatimModuleSyntax).toBe(true);
  });

  it('the check finds each kind of non-erasable syntax', () => {
    const bad = new Map([
      ['param.ts', 'export class A {\n  constructor(readonly x: number) {}\n}\n'],
      ['enum.ts', 'export const a = 1;\nexport enum E { a }\n'],
      ['namespace.ts', 'export namespace N {\n  export const y = 1;\n}\n'],
      ['fine.ts', 'export class B {\n  readonly x: number;\n  constructor(x: number) {\n    this.x = x;\n  }\n}\nexport type T = { a: number };\n'],
    ]);
    expect(nonErasable(bad).sort()).toEqual(['enum.ts:2', 'namespace.ts:1', 'param.ts:2']);
  });

  it('no source file Node runs uses anything else (src, scripts, bench, test)', () => {
    const sources = new Map<string, string>();
    for (const dir of ['src', 'scripts', 'bench', 'test']) {
      for (const f of readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
        if (/\.(ts|mts)$/.test(f) && !f.endsWith('.d.ts')) sources.set(`${dir}/${f}`, readFileSync(join(ROOT, dir, f), 'utf8'));
      }
    }
    expect(sources.size).toBeGreaterThan(100);
    expect(nonErasable(sources)).toEqual([]);
  });
});
