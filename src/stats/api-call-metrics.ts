// OpenStack API call timers, named as upstream's launcher and builder get them from openstacksdk
// (statsd prefix "nodepool.task.<provider>"): <prefix>.<service>.<METHOD>.<resource path>.<status>
// (timer + counter), ".attempted" per call and ".failed" when no response came back.
import type { Metrics } from './metrics.ts';

export interface ApiCallRecord {
  /** Service type: compute, image, network, block-storage, identity. */
  service: string;
  method: string;
  url: string;
  /** HTTP status, or null when the call got no response (connection error, timeout). */
  status: number | null;
  ms: number;
}

const ID_LIKE = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+|[0-9a-f]{10,}\w*)$/i;
const VERSION = /^v\d+(?:\.\d+)?$/;

/**
 * The resource part of a URL path: what follows the API version, without ids (server, image,
 * project ids), joined with "_", e.g. /v2.1/servers/<id>/action → "servers_action".
 */
export function resourceName(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split('?')[0];
  }
  const parts = path.split('/').filter(Boolean);
  const v = parts.findIndex((p) => VERSION.test(p));
  const rest = (v >= 0 ? parts.slice(v + 1) : parts).filter((p) => !ID_LIKE.test(p));
  const name = rest.map((p) => p.replace(/[.:]/g, '_')).join('_');
  return name || 'discovery';
}

export function apiCallKey(provider: string, call: Pick<ApiCallRecord, 'service' | 'method' | 'url'>): string {
  return `nodepool.task.${provider}.${call.service}.${call.method.toUpperCase()}.${resourceName(call.url)}`;
}

export function reportApiCall(metrics: Metrics, provider: string, call: ApiCallRecord): void {
  const key = apiCallKey(provider, call);
  metrics.increment(`${key}.attempted`);
  if (call.status === null) {
    metrics.increment(`${key}.failed`);
    return;
  }
  metrics.timing(`${key}.${call.status}`, call.ms);
  metrics.increment(`${key}.${call.status}`);
}
