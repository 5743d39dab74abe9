import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'runner/test/**/*.test.ts'],
    // Sandboxes, real engines and daemons as subprocesses: generous but bounded.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: heavy integration files (docker, engines) fight for CPU otherwise.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});
