/** Runtime (non type-only) bare package imports of one source file: what a production install must provide. */
export function runtimeImports(text: string): string[] {
  const out: string[] = [];
  // static imports/exports, skipping `import type` / `export type`
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm)) {
    if (!m[2]) out.push(m[3]);
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out.filter((s) => !s.startsWith('.') && !s.startsWith('/'));
}
