// One node's launch (§2.5): create (or adopt) the server, wait for it, gather host keys,
// run the ready-script, mark it ready. QuotaError aborts (the request relaunches later);
// other faults are retried up to launch-retries total attempts, deleting the half-built
// server each time, then the node is failed.
import type { Node, NodeRequest } from '../model/types.ts';
import type { PoolConfig, PoolLabelConfig, ProviderConfig } from '../config/model.ts';
import type { ServerInfo } from '../cloud/provider.ts';
import { QuotaError } from '../cloud/errors.ts';
import type { LockHandle } from '../zk/types.ts';
import type { LauncherDeps } from './deps.ts';
import type { ProviderContext } from './provider-context.ts';
import type { LoadedWorkers } from './worker-loader.ts';
import { createServerSpec, serverName, type ImageChoice } from './node-spec.ts';
import { driveCreate, deleteServerAndWait, waitForActive } from './state-machines.ts';
import { waitForPort } from './port-probe.ts';
import { recordLaunch } from './launch-metrics.ts';
import { launchResultOf } from './launch-result.ts';
import type { LaunchResult } from '../stats/launcher-metrics.ts';

export type LaunchOutcome = 'ready' | 'aborted' | 'failed';

export interface LaunchParams {
  node: Node;
  lock: LockHandle;
  provider: ProviderConfig;
  pool: PoolConfig;
  label: PoolLabelConfig;
  image: ImageChoice;
  request: NodeRequest | null;
  az: string | null;
  signal: AbortSignal;
}

/** Which step failed, for the launch metric's result name. */
class StepError extends Error {
  readonly result: LaunchResult;
  constructor(result: LaunchResult, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.result = result;
  }
}

const DELETE_TIMEOUT_MS = 600_000;

export async function launchNode(deps: LauncherDeps, ctx: ProviderContext, workers: LoadedWorkers, p: LaunchParams): Promise<LaunchOutcome> {
  const { node, provider } = p;
  const log = deps.logger.child({ node: node.id, provider: provider.name, pool: p.pool.name, label: p.label.name });
  const started = deps.clock.now();
  const retries = Math.max(1, provider.launchRetries);
  // Servers of failed attempts we asked the cloud to delete: never adopted by a later attempt,
  // even when the delete failed or is still running (that server may vanish under the node).
  const discarded = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    let externalId: string | null = null;
    try {
      // launch-timeout bounds each attempt: create, boot wait, key scan and ready-script.
      const deadlineMs = deps.clock.now() + provider.launchTimeout * 1000;
      const server = await createOrAdopt(deps, ctx, p, (id) => { externalId = id; }, attempt, deadlineMs, discarded);
      externalId = server.externalId;
      applyServer(node, server, provider);
      await makeReachable(deps, ctx, workers, p, server, deadlineMs);
      setState(node, 'ready', deps);
      await deps.store.storeNode(node);
      recordLaunch(deps, node, 'ready', deps.clock.now() - started);
      log.info({ externalId, attempt, ms: deps.clock.now() - started }, 'node ready');
      return 'ready';
    } catch (err) {
      if (p.signal.aborted) {
        // The node lock went with the ZooKeeper session: upstream counts that as error.zksession.
        if (p.lock.lostSignal.aborted) recordLaunch(deps, node, 'error.zksession', deps.clock.now() - started);
        throw err;
      }
      if (err instanceof QuotaError) {
        log.info({ err: err.message }, 'quota fault from the cloud; node aborted, will relaunch');
        ctx.invalidateQuota();
        if (externalId) node.external_id = externalId;
        setState(node, 'aborted', deps);
        await deps.store.storeNode(node);
        recordLaunch(deps, node, 'error.quota', deps.clock.now() - started);
        return 'aborted';
      }
      const result: LaunchResult = launchResultOf(err);
      log.warn({ attempt, retries, err: String(err), externalId }, 'launch attempt failed');
      if (attempt >= retries) {
        if (externalId) node.external_id = externalId;
        setState(node, 'failed', deps);
        await deps.store.storeNode(node);
        recordLaunch(deps, node, result, deps.clock.now() - started);
        return 'failed';
      }
      // A READY write whose reply was lost may have landed: whatever ZooKeeper holds, the node
      // is building again, and the next write must say so (never READY without a server).
      const markedReady = node.state === 'ready';
      if (markedReady) setState(node, 'building', deps);
      if (externalId) {
        discarded.add(externalId);
        try {
          await deleteServerAndWait(ctx.provider, externalId, { clock: deps.clock, deadlineMs: deps.clock.now() + DELETE_TIMEOUT_MS, signal: p.signal, pollMs: ctx.pollMs });
        } catch (delErr) {
          if (p.signal.aborted) throw delErr;
          // Keep the id: the node's delete (or the leak cleaner) removes it later.
          log.warn({ externalId, err: String(delErr) }, 'could not delete the failed server before retrying');
        }
      }
      if (node.external_id || markedReady) {
        node.external_id = null;
        await deps.store.storeNode(node);
      }
    }
  }
}

async function createOrAdopt(deps: LauncherDeps, ctx: ProviderContext, p: LaunchParams,
                             onId: (id: string) => void, attempt: number, deadlineMs: number,
                             discarded: ReadonlySet<string>): Promise<ServerInfo> {
  const opts = { clock: deps.clock, deadlineMs, signal: p.signal, pollMs: ctx.pollMs, timeoutMessage: `launch-timeout (${p.provider.launchTimeout} s) exceeded` };
  // Idempotent create: look for a server with our deterministic name before creating one.
  // On the first attempt for a brand-new node id none can exist (ids are never reused and a
  // crashed launcher's nodes are deleted, not relaunched; the deleter finds unrecorded servers
  // by name), so the lookup is made when a previous attempt may have left one behind, e.g. a
  // create call that failed after the cloud had accepted it.
  const existing = attempt > 1 || p.node.external_id ? await ctx.provider.findServerByName(serverName(p.node.id)) : null;
  if (existing && discarded.has(existing.externalId)) {
    // Our own failed attempt's server, whose delete did not finish: finish it before creating
    // another (a failure here fails this attempt too).
    await deleteServerAndWait(ctx.provider, existing.externalId, { ...opts, deadlineMs: deps.clock.now() + DELETE_TIMEOUT_MS });
  } else if (existing && existing.status !== 'ERROR' && existing.status !== 'DELETED') {
    onId(existing.externalId);
    return existing.status === 'ACTIVE' ? existing : waitForActive(ctx.provider, existing.externalId, opts);
  } else if (existing) {
    await deleteServerAndWait(ctx.provider, existing.externalId, { ...opts, deadlineMs: deps.clock.now() + DELETE_TIMEOUT_MS });
  }
  const spec = createServerSpec({ provider: p.provider, pool: p.pool, label: p.label, image: p.image, node: p.node, request: p.request, az: p.az });
  const sm = ctx.provider.createServer(spec);
  // The server id is kept in memory until the node is stored ready (or failed/aborted): a crash
  // before that leaves an unlocked building node whose deleter finds the server by its name.
  return driveCreate(sm, { ...opts, onExternalId: async (id) => { onId(id); } });
}

function applyServer(node: Node, server: ServerInfo, provider: ProviderConfig): void {
  node.external_id = server.externalId;
  node.public_ipv4 = server.publicIpv4;
  node.private_ipv4 = server.privateIpv4;
  node.public_ipv6 = server.publicIpv6;
  node.interface_ip = server.interfaceIp;
  node.az = server.az ?? node.az;
  node.region = server.region ?? provider.regionName;
  node.host_id = server.hostId;
  node.cloud = provider.cloud;
}

async function makeReachable(deps: LauncherDeps, ctx: ProviderContext, workers: LoadedWorkers, p: LaunchParams,
                             server: ServerInfo, deadlineMs: number): Promise<void> {
  const { node, label, pool, provider } = p;
  const host = node.interface_ip;
  const hostKeyChecking = label.hostKeyChecking ?? pool.hostKeyChecking;
  const sshLike = node.connection_type === null || node.connection_type === 'ssh' || node.connection_type === 'network_cli';
  const bootTimeoutMs = provider.bootTimeout * 1000;
  if (hostKeyChecking && sshLike) {
    if (!host) throw new StepError('error.ipadd', 'server has no address to connect to');
    const boot = AbortSignal.any([p.signal, AbortSignal.timeout(bootTimeoutMs + 1000)]);
    try {
      if (workers.scanHostKeys) {
        node.host_keys = await workers.scanHostKeys(host, node.connection_port, bootTimeoutMs, boot);
      } else {
        // No scanner installed: still require the port to answer within boot-timeout.
        await waitForPort(host, node.connection_port, bootTimeoutMs, deps.clock, boot);
        node.host_keys = [];
      }
    } catch (err) {
      if (p.signal.aborted) throw err;
      if (label.consoleLog) await logConsole(deps, ctx, node, server);
      throw new StepError('error.keyscan', `host key scan of ${host}:${node.connection_port} failed: ${String(err)}`, { cause: err });
    }
  } else if (hostKeyChecking) {
    // Upstream scans other connection types (winrm, ...) without gathering keys: the port must
    // still answer within boot-timeout.
    if (!host) throw new StepError('error.ipadd', 'server has no address to connect to');
    try {
      await waitForPort(host, node.connection_port, bootTimeoutMs, deps.clock, p.signal);
    } catch (err) {
      if (p.signal.aborted) throw err;
      if (label.consoleLog) await logConsole(deps, ctx, node, server);
      throw new StepError('error.keyscan', `${node.connection_type} port ${host}:${node.connection_port} did not answer: ${String(err)}`, { cause: err });
    }
    node.host_keys = [];
  }
  const config = deps.getConfig();
  const readyScript = label.readyScript ?? config.labels.find((l) => l.name === label.name)?.readyScript ?? null;
  if (readyScript) {
    if (!workers.runReadyScript) throw new StepError('error.nodepool', 'label has a ready-script but ready-script support is not installed');
    const remaining = Math.max(1, deadlineMs - deps.clock.now());
    const signal = AbortSignal.any([p.signal, AbortSignal.timeout(remaining)]);
    try {
      await workers.runReadyScript({ node, label: readyScript === label.readyScript ? label : { ...label, readyScript }, provider, deps, signal });
    } catch (err) {
      if (p.signal.aborted) throw err;
      throw new StepError('error.ssh', `ready-script failed: ${String(err)}`, { cause: err });
    }
  }
}

async function logConsole(deps: LauncherDeps, ctx: ProviderContext, node: Node, server: ServerInfo): Promise<void> {
  try {
    const output = await ctx.provider.consoleLog(server.externalId);
    deps.logger.info({ node: node.id, console: output.slice(-8000) }, 'console log of the unreachable node');
  } catch (err) {
    deps.logger.warn({ node: node.id, err: String(err) }, 'cannot read console log');
  }
}

export function setState(node: Node, state: Node['state'], deps: Pick<LauncherDeps, 'clock'>): void {
  node.state = state;
  node.state_time = deps.clock.now() / 1000;
}
