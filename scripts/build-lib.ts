/**
 * Builds lib/, the JavaScript that the npm package ships: src/ compiled by tsc (types removed,
 * `.ts` import specifiers rewritten to `.js`), plus every non-TypeScript file of src/ (the .wasm
 * kernel) at the same relative path. A checkout never needs it: Node runs src/ directly. The
 * package does, because Node refuses to strip types of files under node_modules.
 * Run: npm run build (npm pack runs it as `prepack`); `--clean` removes lib/ again (`postpack`).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIB = join(ROOT, 'lib');

rmSync(LIB, { recursive: true, force: true });
if (!process.argv.includes('--clean')) {
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  for (const f of readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8', withFileTypes: false })) {
    if (f.endsWith('.ts') || !/\.\w+$/.test(f)) continue;
    mkdirSync(dirname(join(LIB, f)), { recursive: true });
    copyFileSync(join(ROOT, 'src', f), join(LIB, f));
  }
}
