// The store's locks are src/zk's kazoo-compatible recipe; injectable so a test can observe them.
import { acquireLock } from '../zk/lock.ts';
import type { LockHandle, LockOptions, ZkClient } from '../zk/types.ts';

export type AcquireLock = (client: ZkClient, lockDir: string, options?: LockOptions) => Promise<LockHandle | null>;

export const acquireStoreLock: AcquireLock = acquireLock;
