import { randomUUID } from 'node:crypto';

/** What goes into declined_by and node.launcher: "<hostname>-PoolWorker.<provider>-<pool>-<uuid4hex>". */
export function makeLauncherId(hostname: string, provider: string, pool: string): string {
  return `${hostname}-PoolWorker.${provider}-${pool}-${randomUUID().replaceAll('-', '')}`;
}

/** The key upstream uses for one pool worker. */
export function poolKey(provider: string, pool: string): string {
  return `${provider}-${pool}`;
}

export const MIN_READY_REQUESTOR = 'NodePool:min-ready';
export const MIN_READY_PRIORITY = '900';

/** What every launcher id of this host's pool worker starts with, whatever its uuid. */
export function launcherIdPrefix(hostname: string, provider: string, pool: string): string {
  return `${hostname}-PoolWorker.${provider}-${pool}-`;
}
