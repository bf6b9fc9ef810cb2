// Neutron v2.0: networks, ports, floating IPs.
import { NotFoundError, TerminalError } from '../errors.ts';
import type { OpenStackSession } from './session.ts';

export interface NeutronNetwork {
  id: string;
  name: string;
  'router:external'?: boolean;
  shared?: boolean;
  'provider:physical_network'?: string | null;
  status?: string;
}

export interface NeutronPort {
  id: string;
  network_id: string;
  device_id: string;
  device_owner: string;
  status: string;
  fixed_ips?: { ip_address: string; subnet_id?: string }[];
}

export interface NeutronFloatingIp {
  id: string;
  floating_ip_address: string;
  floating_network_id: string;
  port_id: string | null;
  fixed_ip_address: string | null;
  status: string;
}

export class NeutronClient {
  private readonly session: OpenStackSession;

  constructor(session: OpenStackSession) {
    this.session = session;
  }

  async listNetworks(query: Record<string, string> = {}): Promise<NeutronNetwork[]> {
    return this.session.listAll<NeutronNetwork>('network', 'networks', 'networks', query);
  }

  /** A network by exact name, else by id; TerminalError when neither or the name is ambiguous. */
  async findNetwork(nameOrId: string): Promise<NeutronNetwork> {
    const byName = await this.listNetworks({ name: nameOrId });
    if (byName.length === 1) return byName[0];
    if (byName.length > 1) throw new TerminalError(`network name ${nameOrId} is ambiguous (${byName.length} networks)`, { service: 'network' });
    const byId = await this.listNetworks({ id: nameOrId });
    if (byId.length === 1) return byId[0];
    throw new TerminalError(`network ${nameOrId} not found`, { service: 'network' });
  }

  async externalNetworks(): Promise<NeutronNetwork[]> {
    return this.listNetworks({ 'router:external': 'true' });
  }

  async listPorts(query: { device_id?: string; status?: string } = {}): Promise<NeutronPort[]> {
    return this.session.listAll<NeutronPort>('network', 'ports', 'ports', query as Record<string, string>);
  }

  async deletePort(id: string): Promise<boolean> {
    return this.deleteIgnoringMissing(`ports/${encodeURIComponent(id)}`);
  }

  async listFloatingIps(query: { port_id?: string; floating_ip_address?: string } = {}): Promise<NeutronFloatingIp[]> {
    return this.session.listAll<NeutronFloatingIp>('network', 'floatingips', 'floatingips', query as Record<string, string>);
  }

  async createFloatingIp(networkId: string, portId: string, fixedIp?: string): Promise<NeutronFloatingIp> {
    const floatingip: Record<string, string> = { floating_network_id: networkId, port_id: portId };
    if (fixedIp) floatingip.fixed_ip_address = fixedIp;
    const res = await this.session.call('network', 'POST', 'floatingips', { json: { floatingip } });
    return (res.body as { floatingip: NeutronFloatingIp }).floatingip;
  }

  async getFloatingIp(id: string): Promise<NeutronFloatingIp | null> {
    try {
      const res = await this.session.call('network', 'GET', `floatingips/${encodeURIComponent(id)}`);
      return (res.body as { floatingip: NeutronFloatingIp }).floatingip;
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  /** Attach to a port (or detach with null). */
  async updateFloatingIp(id: string, portId: string | null): Promise<NeutronFloatingIp> {
    const res = await this.session.call('network', 'PUT', `floatingips/${encodeURIComponent(id)}`, { json: { floatingip: { port_id: portId } } });
    return (res.body as { floatingip: NeutronFloatingIp }).floatingip;
  }

  async deleteFloatingIp(id: string): Promise<boolean> {
    return this.deleteIgnoringMissing(`floatingips/${encodeURIComponent(id)}`);
  }

  private async deleteIgnoringMissing(path: string): Promise<boolean> {
    try {
      await this.session.call('network', 'DELETE', path);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }
}
