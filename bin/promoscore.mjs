#!/usr/bin/env node
// Entry point: TypeScript sources run through tsx's loader, so the package ships one source of truth.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
