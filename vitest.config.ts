import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // Builds the officer UI and the central's console once (Vite) before the browser and bundle-budget tests.
    globalSetup: ['ui/test/global-setup.ts', 'central/console/test/global-setup.ts'],
    exclude: ['node_modules/**', 'data/**', 'ui/dist/**', 'central/console/dist/**'],
    testTimeout: 30_000,
    // expect.poll waits for live state (device events, async renders); 1 s is too short on a loaded 2-core box.
    expect: { poll: { timeout: 8_000, interval: 50 } },
    hookTimeout: 60_000,
    // Device tests open real pseudo-terminals and child processes: keep parallelism modest on a 2-core box.
    pool: 'forks',
    maxWorkers: 2,
  },
});
