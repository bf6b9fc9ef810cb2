// Whether a READY node is still usable (classic `check` cron), decided from gathered facts.
import type { InstanceInfo } from '../driver/driver.ts';

export type NodeHealth = { alive: true } | { alive: false; reason: string };

export interface NodeHealthFacts {
  /** False when the node's label is no longer served by its provider's pool. */
  labelConfigured: boolean;
  /** The node's instance from the driver's listing, or null when the listing does not have it. */
  server: Pick<InstanceInfo, 'status' | 'rawStatus' | 'fault'> | null;
  externalId: string | null;
  /** Result of the SSH login (or of the port probe when no private key is configured). */
  reachable: { ok: true } | { ok: false; how: 'ssh login' | 'ssh port'; error: string } | null;
}

export function decideNodeHealth(f: NodeHealthFacts): NodeHealth {
  if (!f.labelConfigured) return { alive: false, reason: 'its label is no longer configured for this provider and pool' };
  if (!f.externalId) return { alive: false, reason: 'it has no server id' };
  if (!f.server) return { alive: false, reason: `server ${f.externalId} no longer exists in the cloud` };
  if (f.server.status !== 'ready') {
    return { alive: false, reason: `server ${f.externalId} is ${f.server.rawStatus}${f.server.fault ? ` (${f.server.fault})` : ''}` };
  }
  if (f.reachable && !f.reachable.ok) return { alive: false, reason: `${f.reachable.how} failed: ${f.reachable.error}` };
  return { alive: true };
}
