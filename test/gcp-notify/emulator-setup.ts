/**
 * Global setup: says once per test run where the Pub/Sub emulator tests run (see emulator.ts), and
 * stops the emulator the run started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { planEmulator, stopEmulator } from './emulator.ts';

export default function setup(project: TestProject): () => Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'promoscore-pubsub-emulator-'));
  const plan = planEmulator(dir);
  project.provide('pubsubEmulator', plan);
  if (plan.kind === 'absent') console.log(`Pub/Sub emulator tests skipped: ${plan.reason}`);
  return async () => {
    try {
      await stopEmulator(plan);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
