// Picking a service endpoint out of a Keystone v3 catalog (pure).
import { TerminalError } from '../errors.ts';

export interface CatalogEndpoint { interface: string; region?: string | null; region_id?: string | null; url: string }
export interface CatalogEntry { type: string; name?: string; endpoints: CatalogEndpoint[] }

/** Catalog types openstacksdk accepts for each service we call. */
const SERVICE_TYPE_ALIASES: Record<string, string[]> = {
  compute: ['compute'],
  image: ['image'],
  network: ['network'],
  'block-storage': ['block-storage', 'volumev3', 'volume'],
  identity: ['identity'],
};

export function selectEndpoint(
  catalog: CatalogEntry[],
  serviceType: string,
  iface: string,
  region: string | null,
): string {
  const types = SERVICE_TYPE_ALIASES[serviceType] ?? [serviceType];
  for (const type of types) {
    const entry = catalog.find((e) => e.type === type);
    if (!entry) continue;
    const match = entry.endpoints.find(
      (ep) => ep.interface === iface && (region === null || ep.region_id === region || ep.region === region),
    );
    if (match) return withVersion(serviceType, match.url);
  }
  const where = region ? ` in region ${region}` : '';
  throw new TerminalError(`no ${iface} endpoint for service ${serviceType}${where} in the Keystone catalog`, { service: serviceType });
}

/** Compute URLs are used as they are; image and network get the version path when missing. */
export function withVersion(serviceType: string, url: string): string {
  const base = url.replace(/\/+$/, '');
  if (serviceType === 'image' && !/\/v2(\.\d+)?$/.test(base)) return `${base}/v2`;
  if (serviceType === 'network' && !/\/v2\.0$/.test(base)) return `${base}/v2.0`;
  return base;
}

/** auth_url with or without /v3 → the v3 root. */
export function identityV3Root(authUrl: string): string {
  const base = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(base) ? base : `${base}/v3`;
}
