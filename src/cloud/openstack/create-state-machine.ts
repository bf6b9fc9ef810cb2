// Nodepool's OpenStack create state machine: submit → poll the cached server list until ACTIVE
// → optionally a floating IP → complete. Each advance() does at most one step of cloud work.
import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/logger.ts';
import { CloudTimeoutError, QuotaError, ServerStatusError, TerminalError, TransientError } from '../errors.ts';
import type { CreateServerSpec, CreateStateMachine, FlavorInfo, ServerInfo } from '../provider.ts';
import type { AddressContext } from './addresses.ts';
import { deriveAddresses } from './addresses.ts';
import type { NeutronClient, NeutronFloatingIp } from './neutron.ts';
import type { CreateServerRequest, NovaClient, NovaServer } from './nova.ts';
import { isQuotaMessage } from './quota-errors.ts';

/** What the state machine needs from the provider (caches and lookups live there). */
export interface CreateContext {
  nova: NovaClient;
  neutron: NeutronClient;
  clock: Clock;
  logger: Logger;
  /** The 1 s cached server list and the time its fetch started. */
  servers(): Promise<{ data: NovaServer[]; fetchedAt: number }>;
  flavorFor(spec: CreateServerSpec): Promise<FlavorInfo>;
  imageFor(spec: CreateServerSpec): Promise<string>;
  networkIds(names: string[]): Promise<string[]>;
  addressContext(): Promise<AddressContext & { floatingNetworkId: string | null }>;
  toInfo(server: NovaServer, fips: NeutronFloatingIp[]): Promise<ServerInfo>;
  /** Remembered so the server's delete finds it even while Nova's record does not show it. */
  floatingIpAttached(serverId: string, fip: NeutronFloatingIp): void;
  /** Nova said 400: image/flavor/network caches may be stale. */
  invalidateCaches(): void;
  /** A live server with exactly this name, if any. */
  findByName(name: string): Promise<NovaServer | null>;
  /** From the first advance(); CloudTimeoutError after this. */
  launchTimeoutMs: number;
}

export class OpenStackCreateStateMachine implements CreateStateMachine {
  state = 'start';
  complete = false;
  externalId: string | null = null;
  private readonly spec: CreateServerSpec;
  private readonly ctx: CreateContext;
  private startedAt: number | null = null;
  private submittedAt = 0;
  private fip: NeutronFloatingIp | null = null;
  /** A create failed in a way that leaves open whether Nova made the server (timeout, reset, 5xx). */
  private submitUncertain = false;
  private result: ServerInfo | null = null;

  constructor(spec: CreateServerSpec, ctx: CreateContext) {
    this.spec = spec;
    this.ctx = ctx;
  }

  async advance(): Promise<ServerInfo | null> {
    if (this.complete) return this.result;
    const now = this.ctx.clock.now();
    this.startedAt ??= now;
    if (now - this.startedAt > this.ctx.launchTimeoutMs) {
      throw new CloudTimeoutError(`server ${this.spec.hostname} not ready after ${this.ctx.launchTimeoutMs / 1000} s (state ${this.state})`, { service: 'compute' });
    }
    switch (this.state) {
      case 'start':
        await this.submit();
        return null;
      case 'creating server':
        return this.pollServer();
      case 'creating floating ip':
        return this.pollFloatingIp();
      default:
        throw new TerminalError(`create state machine in unknown state ${this.state}`);
    }
  }

  private async submit(): Promise<void> {
    const { spec, ctx } = this;
    const flavor = await ctx.flavorFor(spec);
    const imageRef = await ctx.imageFor(spec);
    const networks = await ctx.networkIds(spec.label.networks ?? spec.pool.networks);
    const request: CreateServerRequest = {
      name: spec.hostname,
      imageRef,
      flavorRef: flavor.id,
      networks,
      keyName: spec.label.keyName,
      availabilityZone: spec.az,
      securityGroups: spec.pool.securityGroups,
      userData: spec.label.userdata,
      configDrive: spec.configDrive,
      metadata: spec.metadata,
      bootVolumeSize: spec.label.bootFromVolume ? spec.label.volumeSize || 50 : null,
    };
    this.state = 'submit creating server';
    try {
      // After an uncertain failure, adopt the server Nova may have made rather than boot a twin.
      const existing = this.submitUncertain ? await ctx.findByName(spec.hostname) : null;
      this.externalId = existing ? existing.id : await ctx.nova.createServer(request);
    } catch (err) {
      if (err instanceof TerminalError && err.details.status === 400) ctx.invalidateCaches();
      if (err instanceof TransientError) this.submitUncertain = true;
      this.state = 'start';
      throw err;
    }
    this.submittedAt = ctx.clock.now();
    this.state = 'creating server';
    ctx.logger.info({ server: spec.hostname, externalId: this.externalId, flavor: flavor.name }, 'server submitted');
  }

  private async pollServer(): Promise<ServerInfo | null> {
    const { ctx } = this;
    const id = this.externalId!;
    const list = await ctx.servers();
    let server: NovaServer | null | undefined = list.data.find((s) => s.id === id);
    // Not in a list fetched after the create: ask for it directly before calling it gone.
    if (!server && list.fetchedAt >= this.submittedAt) server = await ctx.nova.getServer(id);
    if (server === null) throw new TerminalError(`server ${id} disappeared while building`, { service: 'compute' });
    if (!server) return null;
    if (server.status === 'ERROR') {
      const fault = server.fault?.message ?? 'no fault given';
      const msg = `server ${id} went to ERROR: ${fault}`;
      if (isQuotaMessage(fault)) throw new QuotaError(msg, { service: 'compute' });
      throw new ServerStatusError(msg, { service: 'compute' });
    }
    if (server.status !== 'ACTIVE') return null;
    return this.afterActive(server);
  }

  private async afterActive(server: NovaServer): Promise<ServerInfo | null> {
    const { ctx } = this;
    if (this.spec.pool.autoFloatingIp) {
      const addrCtx = await ctx.addressContext();
      const addrs = deriveAddresses(server, addrCtx);
      if (!addrs.publicIpv4 && addrCtx.floatingNetworkId) {
        const ports = await ctx.neutron.listPorts({ device_id: server.id });
        const port = ports.find((p) => (p.fixed_ips ?? []).some((ip) => !ip.ip_address.includes(':')));
        // The port shows up in Neutron shortly after ACTIVE on some clouds; look again next time.
        if (!port) return null;
        this.fip = await ctx.neutron.createFloatingIp(addrCtx.floatingNetworkId, port.id);
        ctx.floatingIpAttached(server.id, this.fip);
        this.state = 'creating floating ip';
        ctx.logger.info({ externalId: server.id, fip: this.fip.floating_ip_address }, 'floating ip created');
        return null;
      }
    }
    return this.finish(server, []);
  }

  private async pollFloatingIp(): Promise<ServerInfo | null> {
    const { ctx } = this;
    const fip = await ctx.neutron.getFloatingIp(this.fip!.id);
    if (!fip) throw new TerminalError(`floating ip ${this.fip!.floating_ip_address} disappeared before it was active`, { service: 'network' });
    const list = await ctx.servers();
    const server = list.data.find((s) => s.id === this.externalId) ?? (await ctx.nova.getServer(this.externalId!));
    if (!server) throw new TerminalError(`server ${this.externalId} disappeared while attaching a floating ip`, { service: 'compute' });
    // Neutron without an L3 agent leaves the FIP DOWN even though Nova already shows it.
    const shown = Object.values(server.addresses ?? {}).some((l) => l.some((a) => a.addr === fip.floating_ip_address));
    if (fip.status !== 'ACTIVE' && !shown) return null;
    return this.finish(server, [fip]);
  }

  private async finish(server: NovaServer, fips: NeutronFloatingIp[]): Promise<ServerInfo> {
    this.result = await this.ctx.toInfo(server, fips);
    this.state = 'complete';
    this.complete = true;
    return this.result;
  }
}
