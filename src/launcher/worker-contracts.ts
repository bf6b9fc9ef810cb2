// Signatures of the launcher's workers, which the core imports statically:
//   src/launcher/cleanup/cleanup-worker.ts        export class CleanupWorker implements PeriodicWorker
//   src/launcher/check/ready-node-checker.ts      export class ReadyNodeChecker implements PeriodicWorker
//   src/launcher/ready-script/run-ready-script.ts export const runReadyScript: RunReadyScript
//   src/launcher/nodescan-ssh/scan-host-keys.ts   export function hostKeyScanner(clock): ScanHostKeys
import type { Node } from '../model/types.ts';
import type { PoolLabelConfig, ProviderConfig } from '../config/model.ts';
import type { LauncherDeps } from './deps.ts';

/** A worker the launcher runs on a cron schedule; runOnce never throws for one bad item. */
export interface PeriodicWorker {
  runOnce(signal?: AbortSignal): Promise<void>;
}

export type PeriodicWorkerClass = new (deps: LauncherDeps) => PeriodicWorker;

/** CleanupWorker, as upstream's: request-lock cleanup, leaked servers/ports/FIPs, lost requests,
 *  max-ready-age, max-hold-age, empty znodes. Run on config.cron.cleanup. */
export type CleanupWorkerClass = PeriodicWorkerClass;

/** ReadyNodeChecker (classic `check` cron): SSH to each READY node, delete the unreachable. */
export type ReadyNodeCheckerClass = PeriodicWorkerClass;

export interface ReadyScriptParams {
  node: Node;
  label: PoolLabelConfig;
  provider: ProviderConfig;
  deps: LauncherDeps;
  signal: AbortSignal;
}

/** Runs the label's ready-script on the freshly booted node; throws on failure or timeout
 *  (the launcher counts that as a failed launch attempt). */
export type RunReadyScript = (params: ReadyScriptParams) => Promise<void>;

/** Returns the node's SSH host keys ("ssh-ed25519 AAAA...") once the port answers;
 *  throws when it does not within timeoutMs or the signal aborts. */
export type ScanHostKeys = (host: string, port: number, timeoutMs: number, signal: AbortSignal) => Promise<string[]>;
