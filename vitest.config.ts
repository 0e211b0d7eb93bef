import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts'],
    setupFiles: ['spec/helpers/setup.ts'],
    // Cross-worker specs are bounded by their own timeouts; this is the outer bound for a whole test.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Stress specs start several workers each: on a 2-core machine, two spec files at a time is plenty.
    maxWorkers: 2,
    typecheck: { enabled: true, include: ['spec/**/*.test-d.ts'] },
    // In CI also a JSON report, from which .ci/run prints the plain "N passed, N failed" closing line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
  },
});
