// CleanupWorker (upstream's tasks; classic `cleanup` cron): one pass runs every task in turn, each
// isolated so a failing task (or item) is logged and never stops the others. Remembers leaked
// instances between passes (two-pass rule) per provider; the driver remembers its own.
import type { LauncherDeps } from '../deps.ts';
import type { PeriodicWorker } from '../worker-contracts.ts';
import { ProviderLeakCleaner } from './leak-cleaner.ts';
import {
  cleanRequestLocks, deleteOrphanedInitNodes, expireHeldNodes, expireReadyNodes, pruneExplanations, removeEmptyNodes, resetLostRequests,
} from './zk-cleanup.ts';

export interface CleanupPassResult {
  /** Task name → how many items it acted on, or the error that stopped the task. */
  tasks: Record<string, number | { error: string }>;
}

export class CleanupWorker implements PeriodicWorker {
  private readonly deps: LauncherDeps;
  private readonly leakCleaners = new Map<string, ProviderLeakCleaner>();
  private running: Promise<CleanupPassResult> | null = null;

  constructor(deps: LauncherDeps) {
    this.deps = deps;
  }

  async runOnce(signal?: AbortSignal): Promise<void> {
    await this.pass(signal);
  }

  /** One full pass (the cron's unit of work); concurrent callers share the running pass. */
  pass(signal?: AbortSignal): Promise<CleanupPassResult> {
    this.running ??= this.doPass(signal).finally(() => { this.running = null; });
    return this.running;
  }

  private async doPass(signal?: AbortSignal): Promise<CleanupPassResult> {
    const { deps } = this;
    const result: CleanupPassResult = { tasks: {} };
    const task = async (name: string, fn: () => Promise<number>) => {
      if (signal?.aborted) return;
      try {
        result.tasks[name] = await fn();
      } catch (err) {
        if (signal?.aborted) return;
        result.tasks[name] = { error: String(err) };
        deps.logger.warn({ task: name, err: String(err) }, 'cleanup task failed; the others go on');
      }
    };
    await task('request-locks', () => cleanRequestLocks(deps));
    for (const provider of deps.getConfig().providers) {
      const driver = deps.drivers.get(provider.name);
      if (!driver) continue;
      const cleaner = this.cleanerFor(provider.name);
      await task(`leaked-instances:${provider.name}`, () => cleaner.cleanServers(driver, signal));
      for (const kind of driver.leakedResourceKinds?.() ?? []) {
        await task(`leaked-${kind}:${provider.name}`, () => cleaner.cleanOtherResources(driver, kind, signal));
      }
    }
    this.forgetRemovedProviders();
    // One read of the nodes serves the lost-request and age tasks; each re-reads its node under the lock.
    const nodes = await deps.store.listNodes().catch((err: unknown) => {
      deps.logger.warn({ err: String(err) }, 'cleanup: cannot list nodes; age tasks skipped this pass');
      return null;
    });
    await task('lost-requests', () => resetLostRequests(deps, signal, nodes ?? undefined));
    if (nodes) {
      await task('max-ready-age', () => expireReadyNodes(deps, nodes));
      await task('max-hold-age', () => expireHeldNodes(deps, nodes));
      await task('orphaned-init', () => deleteOrphanedInitNodes(deps, nodes));
    }
    await task('empty-nodes', () => removeEmptyNodes(deps));
    await task('explanations', () => pruneExplanations(deps));
    const acted = Object.entries(result.tasks).filter(([, v]) => typeof v !== 'number' || v > 0);
    if (acted.length > 0) deps.logger.info({ tasks: Object.fromEntries(acted) }, 'cleanup pass done');
    return result;
  }

  private cleanerFor(provider: string): ProviderLeakCleaner {
    let cleaner = this.leakCleaners.get(provider);
    if (!cleaner) {
      cleaner = new ProviderLeakCleaner(this.deps, provider);
      this.leakCleaners.set(provider, cleaner);
    }
    return cleaner;
  }

  private forgetRemovedProviders(): void {
    const configured = new Set(this.deps.getConfig().providers.map((p) => p.name));
    for (const name of this.leakCleaners.keys()) if (!configured.has(name)) this.leakCleaners.delete(name);
  }
}
