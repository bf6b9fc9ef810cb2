// A Nova server record as the provider-neutral ServerInfo. Pure.
import type { FlavorInfo, ServerInfo } from '../provider.ts';
import { deriveAddresses, type AddressContext } from './addresses.ts';
import type { NovaServer } from './nova.ts';

export function toServerInfo(
  server: NovaServer,
  ctx: AddressContext,
  flavorsById: ReadonlyMap<string, FlavorInfo>,
  region: string | null,
): ServerInfo {
  // From microversion 2.47 the flavor is embedded; before, only its id is given.
  const known = server.flavor?.id ? flavorsById.get(server.flavor.id) : undefined;
  return {
    externalId: server.id,
    name: server.name,
    status: server.status,
    metadata: { ...(server.metadata ?? {}) },
    az: server['OS-EXT-AZ:availability_zone'] || null,
    region,
    hostId: server.hostId || null,
    fault: server.status === 'ERROR' ? (server.fault?.message ?? 'unknown fault') : (server.fault?.message ?? null),
    cores: server.flavor?.vcpus ?? known?.vcpus ?? 0,
    ram: server.flavor?.ram ?? known?.ram ?? 0,
    ...deriveAddresses(server, ctx),
  };
}
