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
    // In CI only: a failed test gets one more run. The integration tests drive a real ZooKeeper,
    // SSH endpoints and daemon processes on two shared cores, where a timing assumption can miss
    // under load; a test that fails twice still fails the run, and retried tests show in the report.
    retry: process.env.CI === 'true' ? 1 : 0,
  },
});
