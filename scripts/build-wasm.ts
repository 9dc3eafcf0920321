/**
 * Assembles the WebAssembly text kernels (src/**\/*.wat) into the .wasm files beside them, with
 * wabt. The .wasm files are committed, so running the job needs no assembler; a test checks that
 * each one is what this script makes of its source.
 * Run: npm run build:wasm
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

export const WAT_SOURCES = ['src/scoring/kernels/simd/fused.wat'];

/** The binary of one .wat source (a path relative to the repository root, or absolute). */
export async function assemble(path: string): Promise<Buffer> {
  const w = await wabt();
  const mod = w.parseWat(path, readFileSync(path, 'utf8'), { simd: true });
  try {
    mod.validate();
    return Buffer.from(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const path of WAT_SOURCES) {
    const bytes = await assemble(path);
    writeFileSync(path.replace(/\.wat$/, '.wasm'), bytes);
    console.log(`${path} -> ${bytes.length} bytes`);
  }
}
