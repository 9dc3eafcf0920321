#!/usr/bin/env node
// Entry point. In a checkout Node runs the TypeScript sources directly (it strips the types); the npm
// package ships them compiled to lib/ instead, because Node does not strip types under node_modules.
import { existsSync } from 'node:fs';
import module from 'node:module';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `promoscore needs Node 24 or newer, this is Node ${process.versions.node}: run it through npm ` +
      '(`npm start`, `npx promoscore ...`), which uses the Node 24 that `npm ci` installs, or install Node 24\n',
  );
  process.exit(2);
}

// V8's compile cache on disk (NODE_COMPILE_CACHE, else the OS temp directory), keyed by file content:
// a second start skips parsing and, for the TypeScript sources, type stripping (half of `--help`'s CPU).
module.enableCompileCache?.();

const source = new URL('../src/cli/main.ts', import.meta.url);
await import(existsSync(source) ? source.href : '../lib/cli/main.js');
