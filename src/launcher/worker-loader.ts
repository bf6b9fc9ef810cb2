// The workers the second launcher engineer wrote (cleanup, check, ready-script, host-key scan),
// imported statically now that they exist. The LoadedWorkers shape (nullable members, problems)
// is kept so the core and its tests stay unchanged; a build without them no longer exists.
import type { CleanupWorkerClass, ReadyNodeCheckerClass, RunReadyScript, ScanHostKeys } from './worker-contracts.ts';
import { CleanupWorker } from './cleanup/cleanup-worker.ts';
import { ReadyNodeChecker } from './check/ready-node-checker.ts';
import { runReadyScript } from './ready-script/run-ready-script.ts';
import { scanHostKeys } from './nodescan-ssh/scan-host-keys.ts';

export interface LoadedWorkers {
  CleanupWorker: CleanupWorkerClass | null;
  ReadyNodeChecker: ReadyNodeCheckerClass | null;
  runReadyScript: RunReadyScript | null;
  scanHostKeys: ScanHostKeys | null;
  /** Why a worker is not available (always empty since they are imported statically). */
  problems: string[];
}

const workers: LoadedWorkers = { CleanupWorker, ReadyNodeChecker, runReadyScript, scanHostKeys, problems: [] };

export function loadWorkers(): Promise<LoadedWorkers> {
  return Promise.resolve(workers);
}
