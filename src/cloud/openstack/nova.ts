// Nova (compute v2.1) calls Nodepool makes.
import { NotFoundError, TerminalError } from '../errors.ts';
import type { NovaAddresses } from './addresses.ts';
import type { OpenStackSession } from './session.ts';

/** A console log is diagnostics: past this size it is refused rather than held in memory. */
export const MAX_CONSOLE_LOG_BYTES = 4 * 1024 * 1024;

export interface NovaServer {
  id: string;
  name: string;
  status: string;
  metadata?: Record<string, string>;
  addresses?: NovaAddresses;
  accessIPv4?: string;
  accessIPv6?: string;
  hostId?: string;
  'OS-EXT-AZ:availability_zone'?: string;
  /** Before 2.47 only {id}; from 2.47 the embedded flavor (vcpus, ram, original_name). */
  flavor?: { id?: string; original_name?: string; vcpus?: number; ram?: number; disk?: number };
  image?: { id?: string } | string;
  fault?: { code?: number; message?: string; details?: string };
  'OS-EXT-STS:task_state'?: string | null;
}

export interface NovaFlavor { id: string; name: string; vcpus: number; ram: number; disk: number; 'OS-FLV-DISABLED:disabled'?: boolean }

export interface NovaLimits { maxTotalCores?: number; maxTotalInstances?: number; maxTotalRAMSize?: number; [key: string]: unknown }

export interface BlockDeviceMapping {
  boot_index: string;
  uuid: string;
  source_type: 'image';
  destination_type: 'volume';
  volume_size: number;
  delete_on_termination: boolean;
}

export interface CreateServerRequest {
  name: string;
  imageRef: string;
  flavorRef: string;
  /** Network ids; empty: Nova's "auto" allocation. */
  networks: string[];
  keyName?: string | null;
  availabilityZone?: string | null;
  securityGroups?: string[];
  /** Plain text; sent base64-encoded. */
  userData?: string | null;
  configDrive?: boolean | null;
  metadata?: Record<string, string>;
  /** Boot from a new volume of this many GiB made from imageRef. */
  bootVolumeSize?: number | null;
}

/** The POST /servers body (pure). */
export function createServerBody(r: CreateServerRequest): { server: Record<string, unknown> } {
  const server: Record<string, unknown> = {
    name: r.name,
    imageRef: r.imageRef,
    flavorRef: r.flavorRef,
    networks: r.networks.length > 0 ? r.networks.map((uuid) => ({ uuid })) : 'auto',
  };
  if (r.keyName) server.key_name = r.keyName;
  if (r.availabilityZone) server.availability_zone = r.availabilityZone;
  if (r.securityGroups && r.securityGroups.length > 0) server.security_groups = r.securityGroups.map((name) => ({ name }));
  if (r.userData) server.user_data = Buffer.from(r.userData, 'utf8').toString('base64');
  if (r.configDrive !== null && r.configDrive !== undefined) server.config_drive = r.configDrive;
  if (r.metadata && Object.keys(r.metadata).length > 0) server.metadata = r.metadata;
  if (r.bootVolumeSize) {
    server.imageRef = '';
    const bdm: BlockDeviceMapping = {
      boot_index: '0', uuid: r.imageRef, source_type: 'image', destination_type: 'volume',
      volume_size: r.bootVolumeSize, delete_on_termination: true,
    };
    server.block_device_mapping_v2 = [bdm];
  }
  return { server };
}

export class NovaClient {
  private readonly session: OpenStackSession;
  /** Page size asked for; the cloud may cap it lower and then links to the next page. */
  pageSize = 1000;

  constructor(session: OpenStackSession) {
    this.session = session;
  }

  /** Returns the new server's id. */
  async createServer(r: CreateServerRequest): Promise<string> {
    const res = await this.session.call('compute', 'POST', 'servers', { json: createServerBody(r) });
    const id = (res.body as { server?: { id?: string } } | null)?.server?.id;
    if (!id) throw new TerminalError('Nova accepted the create but returned no server id', { service: 'compute', requestId: res.requestId ?? undefined });
    return id;
  }

  async listServers(query: Record<string, string> = {}, maxPages?: number): Promise<NovaServer[]> {
    return this.session.listAll<NovaServer>('compute', 'servers/detail', 'servers', { limit: this.pageSize, ...query }, maxPages);
  }

  /** null when Nova answers 404. */
  async getServer(id: string): Promise<NovaServer | null> {
    try {
      const res = await this.session.call('compute', 'GET', `servers/${encodeURIComponent(id)}`);
      return (res.body as { server: NovaServer }).server;
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  /** false when the server was already gone. */
  async deleteServer(id: string): Promise<boolean> {
    try {
      await this.session.call('compute', 'DELETE', `servers/${encodeURIComponent(id)}`);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  async listFlavors(): Promise<NovaFlavor[]> {
    return this.session.listAll<NovaFlavor>('compute', 'flavors/detail', 'flavors', { limit: this.pageSize });
  }

  async listAvailabilityZones(): Promise<{ zoneName: string; available: boolean }[]> {
    const res = await this.session.call('compute', 'GET', 'os-availability-zone');
    const info = (res.body as { availabilityZoneInfo?: { zoneName: string; zoneState?: { available?: boolean } }[] } | null)?.availabilityZoneInfo ?? [];
    return info.map((z) => ({ zoneName: z.zoneName, available: z.zoneState?.available !== false }));
  }

  async limits(): Promise<NovaLimits> {
    const res = await this.session.call('compute', 'GET', 'limits');
    return (res.body as { limits?: { absolute?: NovaLimits } } | null)?.limits?.absolute ?? {};
  }

  async consoleOutput(id: string): Promise<string> {
    const res = await this.session.call('compute', 'POST', `servers/${encodeURIComponent(id)}/action`, {
      json: { 'os-getConsoleOutput': {} },
      safeToRepeat: true,
      maxBodyBytes: MAX_CONSOLE_LOG_BYTES,
    });
    return (res.body as { output?: string } | null)?.output ?? '';
  }
}
