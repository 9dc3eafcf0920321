import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Google's Pub/Sub emulator when gcloud has it, started on first use (test/gcp-notify/emulator.ts)
    globalSetup: ['test/gcp-notify/emulator-setup.ts'],
    // The JSON report is what .ci/run counts; the default reporter is for people.
    reporters: ['default', 'json'],
    outputFile: { json: '.promoscore/test-results.json' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One process per worker for every file: a fresh fork per file cost ~0.5 s of start-up each (97
    // files). Files that set process.env put it back in afterAll.
    isolate: false,
    maxWorkers: 2,
  },
});
