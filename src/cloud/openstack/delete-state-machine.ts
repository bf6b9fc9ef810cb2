// Nodepool's OpenStack delete state machine: floating IPs of the server → delete the server →
// wait until it is gone. Idempotent: a server that is already gone completes at once.
// The floating IPs are those this process attached to the server (Nova's record can lag
// Neutron's, so a delete soon after the create may not see them there) and, as upstream's
// adapter, those Nova's record shows (from the shared server list); a server without one costs
// no Neutron call. One attached by an earlier process that Nova does not show is released with
// the port and removed by the cleanup cron's unattached floating IP sweep.
import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/logger.ts';
import { CloudTimeoutError, TerminalError } from '../errors.ts';
import type { DeleteStateMachine } from '../provider.ts';
import type { NeutronClient, NeutronFloatingIp } from './neutron.ts';
import type { NovaClient, NovaServer } from './nova.ts';

export interface DeleteContext {
  nova: NovaClient;
  neutron: NeutronClient;
  clock: Clock;
  logger: Logger;
  /** The 1 s cached server list and the time its fetch started. */
  servers(): Promise<{ data: NovaServer[]; fetchedAt: number }>;
  /** The floating IPs this process attached to a server, and forgetting them once deleted. */
  attachedFloatingIps(serverId: string): NeutronFloatingIp[];
  forgetFloatingIps(serverId: string): void;
  /** From the first advance(); CloudTimeoutError after this. */
  deleteTimeoutMs: number;
}

export class OpenStackDeleteStateMachine implements DeleteStateMachine {
  state = 'start';
  complete = false;
  private readonly externalId: string;
  private readonly ctx: DeleteContext;
  private startedAt: number | null = null;
  private submittedAt = 0;

  constructor(externalId: string, ctx: DeleteContext) {
    this.externalId = externalId;
    this.ctx = ctx;
  }

  async advance(): Promise<void> {
    if (this.complete) return;
    const now = this.ctx.clock.now();
    this.startedAt ??= now;
    if (now - this.startedAt > this.ctx.deleteTimeoutMs) {
      throw new CloudTimeoutError(`server ${this.externalId} still exists ${this.ctx.deleteTimeoutMs / 1000} s after delete (state ${this.state})`, { service: 'compute' });
    }
    switch (this.state) {
      case 'start':
      case 'deleting floating ips':
        this.state = 'deleting floating ips';
        await this.deleteFloatingIps();
        this.state = 'deleting server';
        return;
      case 'deleting server':
        await this.deleteServer();
        return;
      case 'waiting for server deletion':
        await this.waitGone();
        return;
      default:
        throw new TerminalError(`delete state machine in unknown state ${this.state}`);
    }
  }

  private async deleteFloatingIps(): Promise<void> {
    const { neutron, logger } = this.ctx;
    const attached = this.ctx.attachedFloatingIps(this.externalId);
    const known = new Set(attached.map((f) => f.floating_ip_address));
    const server = (await this.ctx.servers()).data.find((s) => s.id === this.externalId);
    // Not in the shared list (created after it was fetched, or already gone): ask Neutron.
    const found = server
      ? (await Promise.all(floatingAddresses(server).filter((a) => !known.has(a)).map((addr) => neutron.listFloatingIps({ floating_ip_address: addr })))).flat()
      : attached.length > 0 ? [] : (await Promise.all((await neutron.listPorts({ device_id: this.externalId })).map((port) => neutron.listFloatingIps({ port_id: port.id })))).flat();
    for (const fip of [...attached, ...found]) {
      // Already gone (false) is as good as deleted.
      await neutron.deleteFloatingIp(fip.id);
      logger.info({ externalId: this.externalId, fip: fip.floating_ip_address }, 'floating ip deleted');
    }
    this.ctx.forgetFloatingIps(this.externalId);
  }

  private async deleteServer(): Promise<void> {
    const existed = await this.ctx.nova.deleteServer(this.externalId);
    if (!existed) {
      this.done();
      return;
    }
    this.submittedAt = this.ctx.clock.now();
    this.state = 'waiting for server deletion';
  }

  private async waitGone(): Promise<void> {
    const list = await this.ctx.servers();
    // Only a list fetched after the delete was accepted can prove the server is gone.
    if (list.fetchedAt < this.submittedAt) return;
    const server = list.data.find((s) => s.id === this.externalId);
    if (!server || server.status === 'DELETED') this.done();
  }

  private done(): void {
    this.state = 'complete';
    this.complete = true;
    this.ctx.logger.info({ externalId: this.externalId }, 'server deleted');
  }
}

function floatingAddresses(server: NovaServer): string[] {
  const out = new Set<string>();
  for (const list of Object.values(server.addresses ?? {})) {
    for (const a of list ?? []) if (a['OS-EXT-IPS:type'] === 'floating') out.add(a.addr);
  }
  return [...out];
}
