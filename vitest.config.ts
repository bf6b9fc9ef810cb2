import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only add contention with the ZooKeeper JVM.
    maxWorkers: 2,
    pool: 'forks',
    // In CI only, one more run for a failed test, kept until three clean-clone runs beside two
    // busy loops pass without it. Each of the last two such runs without retry found one real
    // fault (ssh2 ed25519 keys; a lock waiter on a record being deleted), both fixed; a test
    // that fails twice still fails the run, and a retried test shows in the report.
    retry: process.env.CI === 'true' ? 1 : 0,
  },
});
