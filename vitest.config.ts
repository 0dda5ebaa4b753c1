import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**', 'ui/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Device tests open real pseudo-terminals and child processes: keep parallelism modest on a 2-core box.
    pool: 'forks',
    maxWorkers: 2,
  },
});
