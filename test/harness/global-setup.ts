// Starts one ZooKeeper for the whole test run and hands its address to the test files
// (inject('zkServer')). Each test file then works in its own chroot (see testZk()).
import type { TestProject } from 'vitest/node';
import { serverInfo, startZkServer, type ZkServerInfo } from './zk-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    zkServer: ZkServerInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startZkServer();
  project.provide('zkServer', serverInfo(server));
  return async () => {
    await server.stop();
  };
}
