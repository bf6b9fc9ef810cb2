// The launcher's driver interface: everything request handling, quota, min-ready, cleanup and
// the delete path need from "where nodes come from". Modelled on upstream Nodepool's
// state-machine adapter (nodepool/driver/statemachine.py: getCreateStateMachine,
// getDeleteStateMachine, listInstances, listResources/deleteResource, getQuotaLimits,
// getQuotaForLabel).
//
// Two kinds of driver plug in here without changes above it:
//  - a *launching* driver (OpenStack) creates one instance per node with a create state
//    machine and deletes it with a delete state machine;
//  - a *registering* driver (static hosts) never launches: it registers READY nodes itself in
//    its `sync` hook, requests are served from them by reuse, and a used node is deleted as a
//    znode only (its delete state machine completes at once) and registered again by `sync`.
//
// Launch and delete are polled state machines: `advance()` does at most one step of work and
// never sleeps; the launcher's reconcile loop decides when to poll again. The instance id is
// reported as soon as it is known, so the launcher can write it to the node znode in the same
// step (a crash after that resumes from the znode instead of leaking or duplicating).
import type { Node, NodeRequest } from '../../model/types.ts';
import type { PoolConfig, PoolLabelConfig, ProviderConfig } from '../../config/model.ts';
import type { ImageChoice } from '../node-spec.ts';
import type { AttachedVolume, Resources } from '../quota.ts';
import type { QuotaLimits } from '../../cloud/provider.ts';
import type { Store } from '../../store/types.ts';
import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/logger.ts';

/** Where a launched instance can be reached; copied onto the node when the launch completes. */
export interface InstanceInfo {
  externalId: string;
  /** Driver status, normalised: building (BUILD), ready (ACTIVE), error, deleted, or other
   *  (a status nodepool does not act on, e.g. SHUTOFF). */
  status: 'building' | 'ready' | 'error' | 'deleted' | 'other';
  /** The driver's own word for it (Nova: BUILD, ACTIVE, SHUTOFF, ...), for logs and reasons. */
  rawStatus: string;
  /** Metadata written at create (nodepool_node_id, nodepool_provider_name, nodepool_pool_name). */
  metadata: Record<string, string>;
  publicIpv4: string | null;
  privateIpv4: string | null;
  publicIpv6: string | null;
  /** The address nodepool connects to. */
  interfaceIp: string | null;
  az: string | null;
  region: string | null;
  hostId: string | null;
  /** Why the instance is in error, when the driver knows. */
  fault: string | null;
  /** Resources the instance uses (unmanaged-usage quota accounting; 0 when not counted). */
  cores: number;
  ram: number;
}

/** Everything a create state machine needs; the node is already locked and BUILDING. */
export interface LaunchSpec {
  node: Node;
  provider: ProviderConfig;
  pool: PoolConfig;
  label: PoolLabelConfig;
  image: ImageChoice;
  /** The request the node is built for (null when resumed without one). */
  request: NodeRequest | null;
  az: string | null;
}

/** Polled with advance() until complete; each call does at most one step of driver work. */
export interface LaunchStateMachine {
  /** e.g. "start", "creating server", "creating floating ip", "complete" (for logs and tests). */
  readonly state: string;
  readonly complete: boolean;
  /** Known once the instance was submitted (so a failed or interrupted create can be deleted). */
  readonly externalId: string | null;
  /**
   * One step. Resolves with the instance once complete, else null. Throws QuotaError (node
   * aborted, relaunched later), TransientError/TerminalError (attempt failed) from
   * src/cloud/errors.ts.
   */
  advance(): Promise<InstanceInfo | null>;
}

export interface DeleteStateMachine {
  readonly state: string;
  /** True once the instance is gone (or there was none to delete). */
  readonly complete: boolean;
  advance(): Promise<void>;
}

/** What the delete path knows about the node whose instance is to be removed. */
export interface DeleteTarget {
  nodeId: string;
  /** The recorded instance id; null when a crash came before it was recorded. */
  externalId: string | null;
}

/** Cloud-side resources other than instances that leak-cleanup looks at (ports, floating IPs). */
export interface LeakCleanupContext {
  /** Node ids currently in ZooKeeper (a resource naming another id is leaked). */
  knownNodeIds: ReadonlySet<string>;
  signal?: AbortSignal;
}

/** Given to `sync` once per pass: the driver's view of ZooKeeper and the means to write it. */
export interface DriverSyncContext {
  provider: ProviderConfig;
  /** Nodes of this provider as currently cached. */
  nodes: readonly Node[];
  /** The store (node create/lock/store/delete); a driver never builds a ZooKeeper path. */
  store: Store;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
}

/** Builds (and starts) the driver of one configured provider; a reload calls it again when the
 *  provider's config or its credentials changed. */
export type DriverFactory = (provider: ProviderConfig) => Promise<NodeDriver>;

export interface NodeDriver {
  /** The provider name this driver serves (node.provider). */
  readonly providerName: string;
  /** e.g. "openstack", "static"; logs and the stats of cleanup resource types. */
  readonly kind: string;
  /**
   * true: new nodes are launched with `launch()` and deleted in the cloud with `delete()`.
   * false: the driver registers its own READY nodes (`sync`); requests are served by reuse
   * only, and a request that finds none free waits in `requested` for another pass.
   */
  readonly launchesNodes: boolean;
  /**
   * Upstream's PAUSE_AT_QUOTA: true when a request that does not fit pauses the pool and waits;
   * false when it is handed back unlocked (still `requested`) for a later pass or another pool.
   */
  readonly pauseAtQuota: boolean;
  /** First poll interval of this driver's state machines (ms). */
  readonly pollMs: number;

  start(): Promise<void>;
  stop(): Promise<void>;

  /**
   * Optional per-pass hook run by the launcher's loop before requests are served: a
   * registering driver (static) creates, re-registers or retires its READY nodes here.
   * Returns how soon it wants to run again (ms), or null for "on the normal cadence".
   */
  sync?(ctx: DriverSyncContext): Promise<number | null>;

  // ---- launch and delete ----

  /** A create state machine for one node (only called when launchesNodes). */
  launch(spec: LaunchSpec): LaunchStateMachine;
  /**
   * A launch interrupted by a crash or lock loss: the instance the node recorded (or, when its id
   * was never recorded, the one created under the node's deterministic name), or null if none
   * exists. The launcher then adopts it (waiting for it to become ready) or deletes it.
   */
  findInstance(target: DeleteTarget): Promise<InstanceInfo | null>;
  /** Removes the node's instance; completes at once for a registering driver. */
  delete(target: DeleteTarget): DeleteStateMachine;
  /**
   * Called after a node's znode was removed. A registering driver puts the host back as a fresh
   * READY node here (or in its next `sync`); a launching driver does nothing.
   */
  nodeDeleted?(node: Node): Promise<void>;

  // ---- listing (leak detection, unmanaged quota, the check cron) ----

  /**
   * Every instance of the project (or, for a registering driver, every registered host) with its
   * metadata, served from a short cache. Leak cleanup deletes instances whose metadata names this
   * provider and a node that no longer exists; the check cron deletes a READY node whose
   * instance is missing or not `ready` (a registering driver then registers it again).
   */
  listInstances(): Promise<InstanceInfo[]>;
  /** One instance by id, bypassing the list cache (null when gone). */
  getInstance(externalId: string): Promise<InstanceInfo | null>;
  /**
   * Kinds of leaked resources other than instances this driver cleans up (OpenStack:
   * "floatingips" when clean-floating-ips is set, "ports"); cleanup runs each as its own task.
   * Optional: most drivers have none.
   */
  leakedResourceKinds?(): string[];
  /** Removes leaked resources of one kind; returns how many were removed. */
  cleanupLeakedResources?(kind: string, ctx: LeakCleanupContext): Promise<number>;

  // ---- quota ----

  /** Absolute limits of the provider (Infinity where unlimited); null when not applicable. */
  quotaLimits(): Promise<QuotaLimits | null>;
  /** Volumes and the instances they are attached to (unmanaged volume quota); absent when the
   *  driver has no volumes. */
  attachedVolumes?(): Promise<AttachedVolume[]>;
  /** Resources one node of the label uses; throws when it cannot size the label (e.g. no
   *  matching flavor): the request handler then declines the label's requests. */
  labelResources(label: PoolLabelConfig): Promise<Resources>;
  /**
   * Upstream's getLabelQuota: how many more nodes of each label this provider can still hand out
   * beyond the quota arithmetic (static: free registered hosts); undefined for no such limit.
   */
  labelQuota?(pool: PoolConfig, nodes: readonly Node[]): Map<string, number>;

  // ---- images and labels ----

  /** Whether a cloud image (cloud-images entry: id or name) exists; diskimages come from ZooKeeper. */
  cloudImageExists(idOrName: string): Promise<boolean>;
  availabilityZones(): Promise<string[]>;
  /** The instance's console output (logged when a node cannot be reached); '' when unsupported. */
  consoleLog(externalId: string): Promise<string>;
}
