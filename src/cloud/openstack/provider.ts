// CloudProvider for one OpenStack cloud: wires the clients, caches and state machines together.
import type { Dispatcher } from 'undici';
import type { CloudConfig, PoolLabelConfig, ProviderConfig } from '../../config/model.ts';
import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/logger.ts';
import { TerminalError } from '../errors.ts';
import type {
  CloudImage, CloudProvider, CreateServerSpec, CreateStateMachine, DeleteStateMachine, FlavorInfo,
  FloatingIpInfo, PortInfo, QuotaLimits, ServerInfo, UploadImageSpec, VolumeInfo,
} from '../provider.ts';
import type { AddressContext } from './addresses.ts';
import { createCloudAgent } from './agent.ts';
import { KeystoneAuth } from './auth.ts';
import { OpenStackCreateStateMachine } from './create-state-machine.ts';
import { OpenStackDeleteStateMachine } from './delete-state-machine.ts';
import { chooseFlavor } from './flavor-choice.ts';
import { GlanceClient, imageProperties, type GlanceImage } from './glance.ts';
import { HttpCore } from './http-core.ts';
import { uploadImageFile } from './image-upload.ts';
import { NeutronClient, type NeutronFloatingIp, type NeutronNetwork } from './neutron.ts';
import { NovaClient, type NovaServer } from './nova.ts';
import { quotaFromLimits } from './quota-limits.ts';
import { CinderClient } from './volume-limits.ts';
import type { Metrics } from '../../stats/metrics.ts';
import { reportApiCall } from '../../stats/api-call-metrics.ts';
import { toServerInfo } from './server-info.ts';
import { OpenStackSession } from './session.ts';
import { TtlCache } from './ttl-cache.ts';
import { ImageLookupCache } from './image-lookup-cache.ts';

export interface OpenStackProviderOptions {
  /** Caches, state-machine timeouts, image wait polling; and HTTP waits unless httpClock is given. */
  clock: Clock;
  /** Rate-limit spacing and retry backoff. Tests driving `clock` by hand pass systemClock here. */
  httpClock?: Clock;
  logger: Logger;
  /** Replaces the per-cloud Agent (tests: undici MockAgent). */
  dispatcher?: Dispatcher;
  /** Server list cache lifetime (nodepool: 1 s). */
  serverListTtlMs?: number;
  /** Delete state machines give up after this (nodepool: 600 s). */
  deleteTimeoutMs?: number;
  /** Image status poll interval while waiting for active. */
  imagePollIntervalMs?: number;
  /** Per-call timeout of ordinary API calls (default 60 s; uploads use image-upload-timeout). */
  requestTimeoutMs?: number;
  /** Receives upstream's nodepool.task.<provider>.* API call timers. */
  metrics?: Metrics;
}

/** Flavors, networks and images change rarely; a 400 from Nova clears them early. */
const RESOURCE_TTL_MS = 5 * 60_000;
const SERVER_LIST_MIN_TTL_MS = 100;
/** How soon a cloud image that was not found is looked up again. */
const MISSING_IMAGE_TTL_MS = 60_000;

export class OpenStackProvider implements CloudProvider {
  readonly name: string;
  private readonly config: ProviderConfig;
  private readonly cloud: CloudConfig;
  private readonly options: OpenStackProviderOptions;
  private readonly ownsDispatcher: boolean;
  private readonly dispatcher: Dispatcher;
  private readonly logger: Logger;
  private readonly auth: KeystoneAuth;
  readonly nova: NovaClient;
  readonly glance: GlanceClient;
  readonly neutron: NeutronClient;
  readonly cinder: CinderClient;
  private readonly region: string | null;
  private readonly serverCache: TtlCache<NovaServer[]>;
  private readonly flavorCache: TtlCache<FlavorInfo[]>;
  private readonly networkCache: TtlCache<NeutronNetwork[]>;
  /** Network name or id → id; concurrent first launches share one lookup. */
  private readonly networkIdCache = new Map<string, Promise<string>>();
  private readonly imageLookups: ImageLookupCache<CloudImage>;
  /** Server id → floating IPs this process attached; dropped when the server is deleted. */
  private readonly attachedFips = new Map<string, NeutronFloatingIp[]>();

  constructor(config: ProviderConfig, cloud: CloudConfig, options: OpenStackProviderOptions) {
    this.name = config.name;
    this.config = config;
    this.cloud = cloud;
    this.options = options;
    this.logger = options.logger.child({ provider: config.name });
    this.ownsDispatcher = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? createCloudAgent(cloud);
    this.region = config.regionName ?? cloud.regionName ?? null;
    const http = new HttpCore({ dispatcher: this.dispatcher, clock: options.httpClock ?? options.clock, logger: this.logger, rateSeconds: config.rate, defaultTimeoutMs: options.requestTimeoutMs,
      onCall: options.metrics ? (call) => reportApiCall(options.metrics!, config.name, call) : undefined });
    this.auth = new KeystoneAuth(http, cloud.auth, options.clock, this.logger);
    const session = new OpenStackSession({
      http, auth: this.auth, interface: cloud.interface, region: this.region, computeApiVersion: cloud.computeApiVersion,
    });
    this.nova = new NovaClient(session);
    this.glance = new GlanceClient(session, options.clock);
    if (options.imagePollIntervalMs !== undefined) this.glance.pollIntervalMs = options.imagePollIntervalMs;
    this.neutron = new NeutronClient(session);
    this.cinder = new CinderClient(session);
    const clock = options.clock;
    // One server list serves every launch and delete waiting on it; it is fetched only when one
    // asks, as often as the provider's rate allows but never more than every 100 ms.
    this.serverCache = new TtlCache(options.serverListTtlMs ?? defaultServerListTtlMs(config.rate), clock, () => this.nova.listServers());
    this.flavorCache = new TtlCache(RESOURCE_TTL_MS, clock, async () =>
      (await this.nova.listFlavors())
        .filter((f) => !f['OS-FLV-DISABLED:disabled'])
        .map((f) => ({ id: String(f.id), name: f.name, vcpus: f.vcpus, ram: f.ram, disk: f.disk })),
    );
    this.networkCache = new TtlCache(RESOURCE_TTL_MS, clock, () => this.neutron.listNetworks());
    this.imageLookups = new ImageLookupCache(clock, (idOrName) => this.findImage(idOrName), { foundMs: RESOURCE_TTL_MS, missingMs: MISSING_IMAGE_TTL_MS });
  }

  async start(): Promise<void> {
    await this.auth.token();
  }

  async stop(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  createServer(spec: CreateServerSpec): CreateStateMachine {
    return new OpenStackCreateStateMachine(spec, {
      nova: this.nova,
      neutron: this.neutron,
      clock: this.options.clock,
      logger: this.logger,
      servers: () => this.serverCache.getWithTime(),
      flavorFor: (s) => this.flavorForLabel(s.label),
      imageFor: (s) => this.imageRefFor(s),
      networkIds: (names) => this.networkIds(names),
      addressContext: () => this.addressContext(),
      toInfo: async (server, fips) => this.info(server, fips),
      floatingIpAttached: (serverId, fip) => this.attachedFips.set(serverId, [...(this.attachedFips.get(serverId) ?? []), fip]),
      invalidateCaches: () => this.invalidateResourceCaches(),
      findByName: (name) => this.novaServerByName(name),
      launchTimeoutMs: this.config.launchTimeout * 1000,
    });
  }

  deleteServer(externalId: string): DeleteStateMachine {
    return new OpenStackDeleteStateMachine(externalId, {
      nova: this.nova,
      neutron: this.neutron,
      clock: this.options.clock,
      logger: this.logger,
      servers: () => this.serverCache.getWithTime(),
      attachedFloatingIps: (serverId) => this.attachedFips.get(serverId) ?? [],
      forgetFloatingIps: (serverId) => this.attachedFips.delete(serverId),
      deleteTimeoutMs: this.options.deleteTimeoutMs ?? 600_000,
    });
  }

  async findServerByName(name: string): Promise<ServerInfo | null> {
    const server = await this.novaServerByName(name);
    return server ? this.info(server, []) : null;
  }

  async listServers(): Promise<ServerInfo[]> {
    const servers = (await this.serverCache.get()).filter((s) => s.status !== 'DELETED');
    const ctx = await this.addressContext();
    const flavors = await this.flavorsById();
    return servers.map((s) => toServerInfo(s, ctx, flavors, this.region));
  }

  async getServer(externalId: string): Promise<ServerInfo | null> {
    const server = await this.nova.getServer(externalId);
    return server && server.status !== 'DELETED' ? this.info(server, []) : null;
  }

  async quotaForLabel(label: PoolLabelConfig): Promise<QuotaLimits> {
    const flavor = await this.flavorForLabel(label);
    const q: QuotaLimits = { cores: flavor.vcpus, instances: 1, ram: flavor.ram };
    if (label.bootFromVolume) {
      q.volumes = 1;
      q['volume-gb'] = label.volumeSize || 50;
    }
    return q;
  }

  async quotaLimits(): Promise<QuotaLimits> {
    const [compute, volume] = await Promise.all([this.nova.limits(), this.cinder.limits()]);
    return quotaFromLimits(compute, volume);
  }

  async listVolumes(): Promise<VolumeInfo[]> {
    return this.cinder.listVolumes();
  }

  async listFlavors(): Promise<FlavorInfo[]> {
    return [...(await this.flavorCache.get())];
  }

  async listAvailabilityZones(): Promise<string[]> {
    return (await this.nova.listAvailabilityZones()).filter((z) => z.available).map((z) => z.zoneName);
  }

  async listFloatingIps(): Promise<FloatingIpInfo[]> {
    return (await this.neutron.listFloatingIps()).map((f) => ({ id: f.id, address: f.floating_ip_address, portId: f.port_id, status: f.status }));
  }

  async deleteFloatingIp(id: string): Promise<void> {
    await this.neutron.deleteFloatingIp(id);
  }

  async listPorts(filter: { status?: string; deviceId?: string }): Promise<PortInfo[]> {
    const ports = await this.neutron.listPorts({ status: filter.status, device_id: filter.deviceId });
    return ports.map((p) => ({ id: p.id, status: p.status, deviceOwner: p.device_owner ?? '', deviceId: p.device_id ?? '' }));
  }

  async deletePort(id: string): Promise<void> {
    await this.neutron.deletePort(id);
  }

  async uploadImage(spec: UploadImageSpec): Promise<CloudImage> {
    const image = await uploadImageFile(this.glance, spec, { timeoutMs: this.config.imageUploadTimeout * 1000, logger: this.logger });
    return cloudImage(image);
  }

  async deleteImage(id: string): Promise<void> {
    await this.glance.deleteImage(id);
  }

  async listImages(): Promise<CloudImage[]> {
    return (await this.glance.listImages()).map(cloudImage);
  }

  /** findImage through the shared lookup cache (launches and the availability pass). */
  cachedImage(idOrName: string): Promise<CloudImage | null> {
    return this.imageLookups.get(idOrName);
  }

  async findImage(idOrName: string): Promise<CloudImage | null> {
    const byName = await this.glance.listImages({ name: idOrName });
    const best = byName.find((i) => i.status === 'active') ?? byName[0];
    if (best) return cloudImage(best);
    const byId = await this.glance.getImage(idOrName);
    return byId ? cloudImage(byId) : null;
  }

  imageFormat(): string {
    return this.config.imageType ?? this.cloud.imageFormat ?? 'qcow2';
  }

  async consoleLog(externalId: string): Promise<string> {
    return this.nova.consoleOutput(externalId);
  }

  // ---- lookups shared by the state machines

  private async flavorForLabel(label: PoolLabelConfig): Promise<FlavorInfo> {
    const choice = chooseFlavor(await this.flavorCache.get(), label);
    if ('error' in choice) throw new TerminalError(choice.error, { service: 'compute' });
    return choice.flavor;
  }

  private async novaServerByName(name: string): Promise<NovaServer | null> {
    // Nova's name filter is a regular expression; anchor and escape it, then compare exactly.
    const found = await this.nova.listServers({ name: `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` });
    return found.find((s) => s.name === name && s.status !== 'DELETED') ?? null;
  }

  private async flavorsById(): Promise<Map<string, FlavorInfo>> {
    return new Map((await this.flavorCache.get()).map((f) => [f.id, f]));
  }

  private async imageRefFor(spec: CreateServerSpec): Promise<string> {
    if (spec.imageId) return spec.imageId;
    if (spec.imageName) {
      const image = await this.cachedImage(spec.imageName);
      if (image) return image.id;
      throw new TerminalError(`image ${spec.imageName} not found`, { service: 'image' });
    }
    throw new TerminalError(`server ${spec.hostname}: no image id or name given`);
  }

  private async networkIds(namesOrIds: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const n of namesOrIds) {
      let id = this.networkIdCache.get(n);
      if (!id) {
        id = this.neutron.findNetwork(n).then((net) => net.id);
        this.networkIdCache.set(n, id);
        id.catch(() => { if (this.networkIdCache.get(n) === id) this.networkIdCache.delete(n); });
      }
      ids.push(await id);
    }
    return ids;
  }

  private async addressContext(): Promise<AddressContext & { floatingNetworkId: string | null }> {
    const networks = await this.networkCache.get();
    const external = networks.filter((n) => n['router:external']);
    return {
      externalNetworkNames: external.map((n) => n.name),
      internalNetworkNames: networks.filter((n) => !n['router:external'] && !n['provider:physical_network']).map((n) => n.name),
      floatingNetworkId: external[0]?.id ?? null,
      fallbackToPrivate: true,
    };
  }

  private async info(server: NovaServer, fips: NeutronFloatingIp[]): Promise<ServerInfo> {
    const ctx = await this.addressContext();
    ctx.floatingIps = fips.map((f) => ({ address: f.floating_ip_address, fixedAddress: f.fixed_ip_address }));
    return toServerInfo(server, ctx, await this.flavorsById(), this.region);
  }

  private invalidateResourceCaches(): void {
    this.flavorCache.invalidate();
    this.networkCache.invalidate();
    this.networkIdCache.clear();
    this.imageLookups.invalidate();
  }
}

/** The server list's lifetime at the provider's `rate` (seconds between calls). */
export function defaultServerListTtlMs(rateSeconds: number): number {
  return Math.max(SERVER_LIST_MIN_TTL_MS, Number.isFinite(rateSeconds) && rateSeconds > 0 ? Math.round(rateSeconds * 1000) : 0);
}

function cloudImage(image: GlanceImage): CloudImage {
  return { id: image.id, name: image.name ?? '', status: image.status, metadata: imageProperties(image) };
}
