import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts'],
    // Before any spec: Chromium, redis-server and the other runtimes, installed when missing (or a clear stop).
    globalSetup: ['spec/helpers/provision.ts'],
    setupFiles: ['spec/helpers/setup.ts'],
    // Cross-worker specs are bounded by their own timeouts; this is the outer bound for a whole test.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Stress specs start several workers each: on a 2-core machine, two spec files at a time is plenty.
    maxWorkers: 2,
    typecheck: { enabled: true, include: ['spec/**/*.test-d.ts'] },
    // In CI also a JSON report, from which .ci/run prints the plain "N passed, N failed" closing line
    // (SHARED_SYNC_RESULTS: another file, for the runs of `npm run test:node-lines`).
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: process.env.SHARED_SYNC_RESULTS ?? 'test-results.json' }]]
      : ['default'],
  },
});
