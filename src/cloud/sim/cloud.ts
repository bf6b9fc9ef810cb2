// The simulated cloud's model: server lifecycle, quota usage, ports. Shared by Nova, Neutron and admin.
import { randomUUID, randomBytes } from 'node:crypto';
import type { Clock } from '../../util/clock.ts';
import type { SimStore } from './state.ts';
import { allocateAddress, randomMac } from './state.ts';
import type { SeededRandom } from './rng.ts';
import type { ServerRecord, SimulatorConfig, SimFlavor, NetworkRecord, PortRecord, FaultConfig, SimQuotas, ComputeUsage } from './types.ts';
import { HttpError } from './http.ts';

/** Starts and stops the per-server SSH endpoints (implemented in ssh-endpoint.ts). */
export interface SshHost {
  start(server: ServerRecord): Promise<number | null>;
  stop(serverId: string): Promise<void>;
  /** Listens on an extra address (a floating IP) for the server. */
  addAddress(serverId: string, address: string): Promise<void>;
  removeAddress(serverId: string, address: string): Promise<void>;
}

export interface ServerView {
  status: string;
  taskState: string | null;
  vmState: string;
  powerState: number;
}

export interface CreateServerInput {
  name: string;
  imageRef: string;
  flavor: SimFlavor;
  networks: NetworkRecord[];
  ports: PortRecord[];
  keyName: string | null;
  az: string;
  securityGroups: string[];
  userData: string | null;
  configDrive: boolean;
  metadata: Record<string, string>;
  blockDeviceMapping: unknown[] | null;
  projectId: string;
  userId: string;
}

export class SimCloud {
  readonly config: SimulatorConfig;
  readonly store: SimStore;
  readonly clock: Clock;
  readonly rng: SeededRandom;
  ssh: SshHost | null = null;
  /** Servers with a pending delete, so settling does not scan every server on every request. */
  private readonly deleting = new Set<string>();
  /** Per-project usage, kept up to date on create and purge so a quota check is not a full scan. */
  private readonly usageByProject = new Map<string, ComputeUsage>();
  /** Answered API calls by method and route (`GET /compute/v2.1/servers/detail`), for benchmarks. */
  readonly apiCalls = new Map<string, number>();

  constructor(config: SimulatorConfig, store: SimStore, clock: Clock, rng: SeededRandom) {
    this.config = config;
    this.store = store;
    this.clock = clock;
    this.rng = rng;
    for (const s of Object.values(store.data.servers)) {
      if (s.deletedAt !== null) this.deleting.add(s.id);
      this.account(s, 1);
    }
  }

  countApiCall(key: string): void {
    this.apiCalls.set(key, (this.apiCalls.get(key) ?? 0) + 1);
  }

  get data() {
    return this.store.data;
  }

  get faults(): FaultConfig {
    return this.store.data.faults;
  }

  get quotas(): SimQuotas {
    return this.store.data.quotas;
  }

  now(): number {
    return this.clock.now();
  }

  changed(): void {
    this.store.data.rngState = this.rng.seedState;
    this.store.markDirty();
  }

  /** Status as Nova would report it now; computed from timestamps so no timers are needed. */
  view(s: ServerRecord): ServerView {
    const deleting = s.deletedAt !== null ? 'deleting' : null;
    if (s.forcedStatus) {
      return { status: s.forcedStatus, taskState: deleting, vmState: s.forcedStatus.toLowerCase() === 'shutoff' ? 'stopped' : s.forcedStatus.toLowerCase(), powerState: s.forcedStatus === 'SHUTOFF' ? 4 : 0 };
    }
    const built = this.now() >= s.activeAt;
    if (!built || s.outcome === 'BUILD') {
      return { status: 'BUILD', taskState: deleting ?? 'spawning', vmState: 'building', powerState: 0 };
    }
    if (s.outcome === 'ERROR') return { status: 'ERROR', taskState: deleting, vmState: 'error', powerState: 0 };
    return { status: 'ACTIVE', taskState: deleting, vmState: 'active', powerState: 1 };
  }

  /** Removes servers whose delete has completed, with their ports and SSH endpoints. */
  async settle(): Promise<void> {
    const now = this.now();
    let dirty = false;
    for (const id of this.deleting) {
      const s = this.data.servers[id];
      if (!s) {
        this.deleting.delete(id);
        continue;
      }
      if (s.deletedAt === null || s.undeletable || now < s.deletedAt + this.config.deleteDelayMs) continue;
      this.deleting.delete(id);
      await this.purgeServer(s);
      dirty = true;
    }
    if (dirty) this.changed();
  }

  private account(s: ServerRecord, sign: 1 | -1): void {
    const u = this.usageByProject.get(s.projectId) ?? { instances: 0, cores: 0, ram: 0 };
    u.instances += sign;
    u.cores += sign * s.flavor.vcpus;
    u.ram += sign * s.flavor.ram;
    this.usageByProject.set(s.projectId, u);
  }

  private async purgeServer(s: ServerRecord): Promise<void> {
    delete this.data.servers[s.id];
    this.account(s, -1);
    for (const nic of s.nics) {
      for (const fip of Object.values(this.data.floatingIps)) {
        if (fip.portId === nic.portId) {
          fip.portId = null;
          fip.fixedIp = null;
          fip.updatedAt = this.now();
        }
      }
      delete this.data.ports[nic.portId];
    }
    await this.ssh?.stop(s.id);
  }

  liveServers(projectId?: string): ServerRecord[] {
    return Object.values(this.data.servers).filter((s) => projectId === undefined || s.projectId === projectId);
  }

  usage(projectId: string): ComputeUsage {
    return { ...(this.usageByProject.get(projectId) ?? { instances: 0, cores: 0, ram: 0 }) };
  }

  /** Throws Nova's 403 quota fault when the flavor does not fit, with Nova's exact wording. */
  checkQuota(projectId: string, flavor: SimFlavor): void {
    const used = this.usage(projectId);
    const requested: ComputeUsage = { instances: 1, cores: flavor.vcpus, ram: flavor.ram };
    const overs = (['cores', 'instances', 'ram'] as const).filter((k) => this.quotas[k] >= 0 && used[k] + requested[k] > this.quotas[k]);
    if (overs.length === 0) return;
    throw quotaExceeded(overs, requested, used, this.quotas);
  }

  async createServer(input: CreateServerInput): Promise<ServerRecord> {
    const now = this.now();
    const f = this.faults;
    let outcome: ServerRecord['outcome'] = 'ACTIVE';
    let fault: ServerRecord['fault'] = null;
    const id = randomUUID();
    if (f.errorServers && f.errorServers.count > 0) {
      f.errorServers.count -= 1;
      outcome = 'ERROR';
      const message = f.errorServers.message ??
        (f.errorServers.quota
          ? `Build of instance ${id} aborted: VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested 50G, quota is 1000G and 990G has been consumed.`
          : 'No valid host was found. ');
      fault = { code: 500, message, created: now + this.config.buildDelayMs };
    } else if (f.stuckServers && f.stuckServers > 0) {
      f.stuckServers -= 1;
      outcome = 'BUILD';
    }
    const server: ServerRecord = {
      id,
      name: input.name,
      projectId: input.projectId,
      userId: input.userId,
      imageRef: input.imageRef,
      flavor: input.flavor,
      nics: [],
      keyName: input.keyName,
      az: input.az,
      securityGroups: input.securityGroups,
      userData: input.userData,
      configDrive: input.configDrive,
      metadata: input.metadata,
      blockDeviceMapping: input.blockDeviceMapping,
      hostId: randomBytes(28).toString('hex'),
      createdAt: now,
      updatedAt: now,
      activeAt: now + this.config.buildDelayMs,
      outcome,
      fault,
      forcedStatus: null,
      deletedAt: null,
      undeletable: false,
      sshPort: null,
      sshKilled: false,
    };
    for (const net of input.networks) {
      const port = this.createPort(net, { deviceId: id, deviceOwner: `compute:${input.az}`, status: 'ACTIVE' });
      server.nics.push({ networkId: net.id, networkName: net.name, portId: port.id, ip: port.ip, mac: port.mac });
    }
    for (const port of input.ports) {
      port.deviceId = id;
      port.deviceOwner = `compute:${input.az}`;
      port.status = 'ACTIVE';
      const net = this.data.networks[port.networkId];
      server.nics.push({ networkId: port.networkId, networkName: net?.name ?? 'unknown', portId: port.id, ip: port.ip, mac: port.mac });
    }
    this.data.servers[id] = server;
    this.account(server, 1);
    if (this.ssh && this.config.ssh.enabled && outcome === 'ACTIVE' && server.nics.length > 0) {
      try {
        server.sshPort = await this.ssh.start(server);
      } catch (err) {
        // The server exists either way, as in a cloud where the guest never answers; say why once.
        process.stderr.write(`nodepool-cloud-sim: no SSH endpoint for server ${id}: ${(err as Error).message}\n`);
      }
    }
    this.changed();
    return server;
  }

  createPort(net: NetworkRecord, opts: { deviceId: string; deviceOwner: string; status: PortRecord['status']; name?: string }): PortRecord {
    const port: PortRecord = {
      id: randomUUID(),
      networkId: net.id,
      deviceId: opts.deviceId,
      deviceOwner: opts.deviceOwner,
      status: opts.status,
      ip: allocateAddress(net),
      mac: randomMac(),
      name: opts.name ?? '',
      createdAt: this.now(),
    };
    this.data.ports[port.id] = port;
    this.changed();
    return port;
  }

  deleteServer(id: string): void {
    const s = this.data.servers[id];
    if (!s) throw new HttpError(404, `Instance ${id} could not be found.`);
    if (s.deletedAt !== null) return;
    s.deletedAt = this.now();
    s.updatedAt = s.deletedAt;
    this.deleting.add(id);
    const f = this.faults;
    if (f.undeletableServers && f.undeletableServers > 0) {
      f.undeletableServers -= 1;
      s.undeletable = true;
    }
    this.changed();
  }

  networkByIdOrName(idOrName: string): NetworkRecord | undefined {
    return this.data.networks[idOrName] ?? Object.values(this.data.networks).find((n) => n.name === idOrName);
  }

  flavorByIdOrName(ref: string): SimFlavor | undefined {
    return this.config.flavors.find((f) => f.id === ref) ?? this.config.flavors.find((f) => f.name === ref);
  }

  /** The floating IPs attached to one of the server's ports. */
  floatingIpsOf(s: ServerRecord) {
    const portIds = new Set(s.nics.map((n) => n.portId));
    return Object.values(this.data.floatingIps).filter((f) => f.portId !== null && portIds.has(f.portId));
  }

  serverOfPort(portId: string): ServerRecord | undefined {
    const port = this.data.ports[portId];
    return port ? this.data.servers[port.deviceId] : undefined;
  }
}

export function quotaExceeded(overs: readonly (keyof ComputeUsage)[], requested: ComputeUsage, used: ComputeUsage, allowed: SimQuotas): HttpError {
  const join = (f: (k: keyof ComputeUsage) => string | number) => overs.map(f).join(', ');
  const names = join((k) => k);
  const message = `Quota exceeded for ${names}: Requested ${join((k) => requested[k])}, but already used ${join((k) => used[k])} of ${join((k) => allowed[k])} ${names}`;
  // Nova sets Retry-After: 0 on quota faults.
  return new HttpError(403, message, { headers: { 'Retry-After': '0' } });
}
