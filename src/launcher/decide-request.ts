// What one pool should do with one request right now (upstream's _assignHandlers loop),
// decided without ZooKeeper or a cloud so every branch is unit-tested.
import type { NodeRequest, PoolComponent } from '../model/types.ts';
import type { TenantResourceLimit } from '../config/model.ts';
import { getDeclineReasons, type DeclineInputs } from './decline-reasons.ts';
import { addResources, fitsWithin, type Resources } from './quota.ts';

export type RegisteredPool = Pick<PoolComponent, 'id' | 'provider_name' | 'supported_labels' | 'priority' | 'paused'>;

export interface PoolView extends DeclineInputs {
  launcherId: string;
  providerName: string;
  priority: number;
  supportedLabels: ReadonlySet<string>;
  /** Every pool component registered in ZooKeeper, this one included. */
  registeredPools: readonly RegisteredPool[];
  /** A handler of this pool is waiting for quota. */
  paused: boolean;
  /** Launches in progress across all pools of this provider (this launcher). */
  activeLaunches: number;
  /** -1 unlimited, 0 handle nothing. */
  maxConcurrency: number;
  tenantLimits: readonly TenantResourceLimit[];
  /** Sum of node resources per tenant (all providers). */
  tenantUsage: ReadonlyMap<string, Resources>;
  /** Requests this pool is already handling. */
  active: ReadonlySet<string>;
  /** Upstream's label quota: how many more nodes of a label the driver can hand out (static:
   *  free registered hosts); labels absent are unlimited. */
  labelQuota?: ReadonlyMap<string, number>;
}

export type DeferReason =
  | 'provider preference' | 'lower priority' | 'missing labels' | 'tenant limit'
  | 'paused' | 'max-concurrency' | 'label quota';

export type RequestAction =
  | { kind: 'ignore' }
  | { kind: 'defer'; reason: DeferReason; explanation: string | null }
  | { kind: 'decline'; reasons: string[] }
  | { kind: 'accept' };

const TENANT_LIMIT_KEYS: Record<string, string> = {
  'max-servers': 'instances', 'max-cores': 'cores', 'max-ram': 'ram',
  'max-volumes': 'volumes', 'max-volume-gb': 'volume-gb',
};

/** Tenant limits as resource keys ("max-servers" → "instances"); already-mapped keys pass through. */
export function tenantLimitResources(limit: TenantResourceLimit): Resources {
  const out: Resources = {};
  for (const [key, value] of Object.entries(limit.limits)) out[TENANT_LIMIT_KEYS[key] ?? key] = value;
  return out;
}

export function decideRequestAction(request: NodeRequest, view: PoolView): RequestAction {
  if (request.state !== 'requested') return { kind: 'ignore' };
  if (request.declined_by.includes(view.launcherId)) return { kind: 'ignore' };
  if (view.active.has(request.id)) return { kind: 'ignore' };

  const candidates = view.registeredPools.filter(
    (pool) => request.node_types.every((l) => pool.supported_labels.includes(l)) && !request.declined_by.includes(pool.id),
  );

  if (request.provider && request.provider !== view.providerName &&
      candidates.some((pool) => pool.provider_name === request.provider)) {
    return { kind: 'defer', reason: 'provider preference', explanation: null };
  }
  if (candidates.some((pool) => pool.id !== view.launcherId && pool.priority < view.priority && !pool.paused)) {
    return { kind: 'defer', reason: 'lower priority', explanation: null };
  }
  const lacksLabel = request.node_types.some((l) => !view.supportedLabels.has(l));
  if (lacksLabel && candidates.some((pool) => pool.id !== view.launcherId)) {
    return { kind: 'defer', reason: 'missing labels', explanation: null };
  }

  if (view.labelQuota && view.labelQuota.size > 0) {
    const wanted = new Map<string, number>();
    for (const label of request.node_types) wanted.set(label, (wanted.get(label) ?? 0) + 1);
    for (const [label, count] of wanted) {
      const left = view.labelQuota.get(label);
      if (left !== undefined && left < count) {
        return { kind: 'defer', reason: 'label quota', explanation: `deferred: label quota (no free ${label} node)` };
      }
    }
  }

  if (request.tenant_name) {
    const limit = view.tenantLimits.find((t) => t.tenantName === request.tenant_name);
    if (limit) {
      let needed: Resources = {};
      for (const label of request.node_types) needed = addResources(needed, view.labelResources.get(label) ?? { instances: 1 });
      const usage = view.tenantUsage.get(request.tenant_name) ?? {};
      if (!fitsWithin(tenantLimitResources(limit), usage, needed)) {
        return { kind: 'defer', reason: 'tenant limit', explanation: `deferred: tenant limit (tenant ${request.tenant_name} is at its resource limit)` };
      }
    }
  }

  const reasons = getDeclineReasons(request, view);
  if (reasons.length > 0) return { kind: 'decline', reasons };

  if (view.paused) {
    return { kind: 'defer', reason: 'paused', explanation: 'deferred: paused (pool is waiting for quota)' };
  }
  if (view.maxConcurrency > 0 && view.activeLaunches >= view.maxConcurrency) {
    return { kind: 'defer', reason: 'max-concurrency', explanation: 'deferred: max-concurrency reached' };
  }
  return { kind: 'accept' };
}
