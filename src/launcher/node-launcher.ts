// One node's launch (upstream StateMachineNodeLauncher): create (or adopt) the instance through
// the driver, wait for it, gather host keys, run the ready-script, mark it ready. QuotaError aborts (the request relaunches later);
// other faults are retried up to launch-retries total attempts, deleting the half-built
// server each time, then the node is failed.
import type { Node, NodeRequest } from '../model/types.ts';
import type { PoolConfig, PoolLabelConfig, ProviderConfig } from '../config/model.ts';
import { QuotaError } from '../cloud/errors.ts';
import { waitForPort } from './port-probe.ts';
import type { LockHandle } from '../zk/types.ts';
import type { LauncherDeps } from './deps.ts';
import type { ProviderContext } from './provider-context.ts';
import { hostKeyScanner } from './nodescan-ssh/scan-host-keys.ts';
import { runReadyScript } from './ready-script/run-ready-script.ts';
import { clockTimeout } from './clock-timeout.ts';
import type { ImageChoice } from './node-spec.ts';
import type { InstanceInfo } from './driver/driver.ts';
import type { Logger } from '../util/logger.ts';
import { runDelete, runLaunch, waitForReady } from './state-machines.ts';
import { setNodeState, storeLockedNode } from './node-state.ts';
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
  /** The node was building under a launcher that died or lost its lock: adopt what it made. */
  resumed?: boolean;
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

export async function launchNode(deps: LauncherDeps, ctx: ProviderContext, p: LaunchParams): Promise<LaunchOutcome> {
  const { node, provider } = p;
  const log = deps.logger.child({ node: node.id, provider: provider.name, pool: p.pool.name, label: p.label.name });
  const started = deps.clock.now();
  const retries = Math.max(1, provider.launchRetries);
  // Servers of failed attempts we asked the cloud to delete: never adopted by a later attempt,
  // even when the delete failed or is still running (that server may vanish under the node).
  const discarded = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    try {
      // launch-timeout bounds each attempt: create, boot wait, key scan and ready-script.
      const deadlineMs = deps.clock.now() + provider.launchTimeout * 1000;
      const instance = await createOrAdopt(deps, ctx, p, attempt, deadlineMs, discarded, log);
      applyInstance(node, instance, provider);
      await makeReachable(deps, ctx, p, instance, deadlineMs);
      setNodeState(node, 'ready', deps);
      await storeLockedNode(deps, node, p.lock, p.signal);
      recordLaunch(deps, node, 'ready', deps.clock.now() - started);
      log.info({ externalId: node.external_id, attempt, ms: deps.clock.now() - started }, 'node ready');
      return 'ready';
    } catch (err) {
      if (p.signal.aborted) {
        // The node lock went with the ZooKeeper session: upstream counts that as error.zksession.
        if (p.lock.lostSignal.aborted) recordLaunch(deps, node, 'error.zksession', deps.clock.now() - started);
        throw err;
      }
      const externalId = node.external_id;
      if (err instanceof QuotaError) {
        log.info({ err: err.message }, 'quota fault from the cloud; node aborted, will relaunch');
        ctx.invalidateQuota();
        setNodeState(node, 'aborted', deps);
        await deps.store.storeNode(node);
        recordLaunch(deps, node, 'error.quota', deps.clock.now() - started);
        return 'aborted';
      }
      const result: LaunchResult = launchResultOf(err);
      log.warn({ attempt, retries, err: String(err), externalId }, 'launch attempt failed');
      if (attempt >= retries) {
        setNodeState(node, 'failed', deps);
        await deps.store.storeNode(node);
        recordLaunch(deps, node, result, deps.clock.now() - started);
        return 'failed';
      }
      // A READY write whose reply was lost may have landed: whatever ZooKeeper holds, the node
      // is building again, and the next write must say so (never READY without a server).
      const markedReady = node.state === 'ready';
      if (markedReady) setNodeState(node, 'building', deps);
      if (externalId) {
        discarded.add(externalId);
        try {
          await runDelete(ctx.driver.delete({ nodeId: node.id, externalId }),
            { clock: deps.clock, deadlineMs: deps.clock.now() + DELETE_TIMEOUT_MS, signal: p.signal, pollMs: ctx.pollMs });
        } catch (delErr) {
          if (p.signal.aborted) throw delErr;
          // The leak cleaner removes it later (its node will record another server or none).
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

/**
 * The attempt's instance: the one the node recorded (a launch resumed after a crash or lock
 * loss), else one created under the node's name by an earlier attempt whose id never came back,
 * else a new one. A new instance's id is written to the node znode in the step that learns it,
 * so a crash at any later moment leaves a node that names its server.
 */
async function createOrAdopt(deps: LauncherDeps, ctx: ProviderContext, p: LaunchParams, attempt: number, deadlineMs: number,
                             discarded: ReadonlySet<string>, log: Logger): Promise<InstanceInfo> {
  const { node } = p;
  const driver = ctx.driver;
  const opts = { clock: deps.clock, deadlineMs, signal: p.signal, pollMs: ctx.pollMs, timeoutMessage: `launch-timeout (${p.provider.launchTimeout} s) exceeded` };
  // On the first attempt for a brand-new node nothing can exist yet (node ids are never reused).
  const mayExist = attempt > 1 || node.external_id !== null || p.resumed === true;
  const existing = mayExist ? await driver.findInstance({ nodeId: node.id, externalId: node.external_id }) : null;
  if (existing && !discarded.has(existing.externalId) && (existing.status === 'building' || existing.status === 'ready')) {
    if (node.external_id !== existing.externalId) {
      node.external_id = existing.externalId;
      await deps.store.storeNode(node);
    }
    log.info({ externalId: existing.externalId, status: existing.rawStatus }, 'adopting the server this node already has');
    return existing.status === 'ready' ? existing : waitForReady(driver, existing.externalId, opts);
  }
  if (existing) {
    // Our own failed attempt's server whose delete did not finish, or one in error: remove it
    // before creating another (a failure here fails this attempt too).
    await runDelete(driver.delete({ nodeId: node.id, externalId: existing.externalId }), { ...opts, deadlineMs: deps.clock.now() + DELETE_TIMEOUT_MS });
  }
  if (node.external_id !== null) {
    node.external_id = null;
    await deps.store.storeNode(node);
  }
  const sm = driver.launch({ provider: p.provider, pool: p.pool, label: p.label, image: p.image, node, request: p.request, az: p.az });
  return runLaunch(sm, {
    ...opts,
    onExternalId: async (id) => {
      node.external_id = id;
      await storeLockedNode(deps, node, p.lock, p.signal);
    },
  });
}

function applyInstance(node: Node, server: InstanceInfo, provider: ProviderConfig): void {
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

async function makeReachable(deps: LauncherDeps, ctx: ProviderContext, p: LaunchParams,
                             server: InstanceInfo, deadlineMs: number): Promise<void> {
  const { node, label, pool, provider } = p;
  const host = node.interface_ip;
  const hostKeyChecking = label.hostKeyChecking ?? pool.hostKeyChecking;
  const sshLike = node.connection_type === null || node.connection_type === 'ssh' || node.connection_type === 'network_cli';
  const bootTimeoutMs = provider.bootTimeout * 1000;
  if (hostKeyChecking && sshLike) {
    if (!host) throw new StepError('error.ipadd', 'server has no address to connect to');
    const boot = clockTimeout(deps.clock, bootTimeoutMs + 1000, p.signal);
    try {
      node.host_keys = await hostKeyScanner(deps.clock)(host, node.connection_port, bootTimeoutMs, boot.signal);
    } catch (err) {
      if (p.signal.aborted) throw err;
      if (label.consoleLog) await logConsole(deps, ctx, node, server);
      throw new StepError('error.keyscan', `host key scan of ${host}:${node.connection_port} failed: ${String(err)}`, { cause: err });
    } finally {
      boot.clear();
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
    const deadline = clockTimeout(deps.clock, Math.max(1, deadlineMs - deps.clock.now()), p.signal);
    try {
      await runReadyScript({ node, label: readyScript === label.readyScript ? label : { ...label, readyScript }, provider, deps, signal: deadline.signal });
    } catch (err) {
      if (p.signal.aborted) throw err;
      throw new StepError('error.ssh', `ready-script failed: ${String(err)}`, { cause: err });
    } finally {
      deadline.clear();
    }
  }
}

async function logConsole(deps: LauncherDeps, ctx: ProviderContext, node: Node, server: InstanceInfo): Promise<void> {
  try {
    const output = await ctx.driver.consoleLog(server.externalId);
    deps.logger.info({ node: node.id, console: output.slice(-8000) }, 'console log of the unreachable node');
  } catch (err) {
    deps.logger.warn({ node: node.id, err: String(err) }, 'cannot read console log');
  }
}
