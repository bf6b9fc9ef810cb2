// Shared setup for store tests: a real ZooKeeper chroot per file and a logger whose lines we read.
import { pino } from 'pino';
import type { Logger } from '../../src/util/logger.ts';
import { ManualClock } from '../../src/util/clock.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { testZk, type TestZk } from '../harness/zk.ts';
import type { ZkClient } from '../../src/zk/types.ts';

export interface CapturedLog {
  logger: Logger;
  lines: Record<string, unknown>[];
}

export function captureLogger(): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

export interface StoreEnv {
  zk: TestZk;
  client: ZkClient;
  store: ZkStore;
  clock: ManualClock;
  log: CapturedLog;
}

/** A connected, initialised store in this file's own chroot. */
export async function openStore(zk: TestZk): Promise<StoreEnv> {
  const client = await zk.connect();
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  const log = captureLogger();
  const store = new ZkStore(client, { logger: log.logger, clock });
  await store.init();
  return { zk, client, store, clock, log };
}

export function fileZk(name: string): TestZk {
  return testZk({ name });
}
