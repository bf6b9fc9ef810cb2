// The simulator's back door for tests: inspect everything, inject faults and leaked resources.
import type { SimCloud } from './cloud.ts';
import { HttpError, readJson, sendJson, type RequestContext } from './http.ts';
import { route, type Route } from './router.ts';
import { setFaults } from './faults.ts';
import { expireAllTokens } from './keystone.ts';
import { allocateFloatingIp, fipView, portView } from './neutron.ts';
import { imageView } from './glance.ts';
import type { ComputeUsage, FaultConfig, PortRecord, ServerRecord, SimQuotas } from './types.ts';

export interface AdminServer {
  id: string;
  name: string;
  status: string;
  taskState: string | null;
  metadata: Record<string, string>;
  flavor: string;
  keyName: string | null;
  fixedIps: string[];
  floatingIps: string[];
  /** Where the server's SSH endpoint listens (its fixed IP), or null. */
  sshHost: string | null;
  sshPort: number | null;
  /** Directory exec commands run in, with the rewritten sandbox prefixes below it. */
  sandboxDir: string;
  fault: string | null;
  deleting: boolean;
}

export interface SimState {
  servers: AdminServer[];
  images: Record<string, unknown>[];
  ports: Record<string, unknown>[];
  floatingIps: Record<string, unknown>[];
  keypairs: string[];
  faults: FaultConfig;
  quotas: SimQuotas;
  usage: ComputeUsage;
}

export interface InjectServerOptions {
  name: string;
  metadata?: Record<string, string>;
  /** Flavor name or id (default the first flavor). */
  flavor?: string;
  /** Network name or id (default "private"). */
  network?: string;
  keyName?: string | null;
  /** Boot from a volume of this size (GiB): the server then counts in Cinder's usage. */
  volumeSizeGb?: number;
}

export interface SimulatorAdmin {
  state(): Promise<SimState>;
  listServers(): Promise<AdminServer[]>;
  getFaults(): FaultConfig;
  /** Replaces the faults (merge: true updates only the given keys). */
  setFaults(faults: FaultConfig, options?: { merge?: boolean }): FaultConfig;
  clearFaults(): void;
  setQuotas(quotas: Partial<SimQuotas>): SimQuotas;
  /** Makes every issued token expired: the next API call with one gets 401. */
  expireTokens(): number;
  /** Creates a server directly (no quota check, no API call): a leaked server for cleanup tests. */
  injectServer(options: InjectServerOptions): Promise<AdminServer>;
  /** A DOWN port with no device, as leak cleanup finds them. */
  createDownPort(options?: { network?: string; deviceOwner?: string }): Record<string, unknown>;
  /** A floating IP attached to nothing. */
  createFloatingIp(): Promise<Record<string, unknown>>;
  /** Stops the server's SSH endpoint and sets its status (default SHUTOFF; null keeps ACTIVE). */
  killServer(id: string, options?: { status?: 'SHUTOFF' | 'ERROR' | null; message?: string }): Promise<AdminServer>;
  /** The SSH host public keys every server endpoint presents ("type base64"), for keyscan checks. */
  sshHostKeys(): string[];
  /** Writes state.json now instead of after the coalescing delay. */
  flush(): void;
}

export function createAdminApi(sim: SimCloud, hostKeys: () => string[]): SimulatorAdmin {
  const servers = async () => {
    await sim.settle();
    return Object.values(sim.data.servers).map((s) => adminServer(sim, s));
  };
  return {
    async state() {
      const list = await servers();
      return {
        servers: list,
        images: Object.values(sim.data.images).map(imageView),
        ports: Object.values(sim.data.ports).map((p) => portView(sim, p)),
        floatingIps: Object.values(sim.data.floatingIps).map((f) => fipView(sim, f)),
        keypairs: Object.keys(sim.data.keypairs),
        faults: sim.faults,
        quotas: sim.quotas,
        usage: sim.usage(sim.config.project.id),
      };
    },
    listServers: servers,
    getFaults: () => sim.faults,
    setFaults: (faults, options) => setFaults(sim, faults, options?.merge ?? false),
    clearFaults: () => void setFaults(sim, {}, false),
    setQuotas(quotas) {
      for (const k of ['instances', 'cores', 'ram', 'volumes', 'gigabytes'] as const) {
        const v = quotas[k];
        if (v === undefined) continue;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < -1) throw new HttpError(400, `quota ${k} must be an integer >= -1`);
        sim.data.quotas[k] = v;
      }
      sim.changed();
      return sim.quotas;
    },
    expireTokens: () => expireAllTokens(sim),
    async injectServer(options) {
      if (typeof options?.name !== 'string' || !options.name) throw new HttpError(400, 'injectServer needs a name');
      const meta = options.metadata ?? {};
      if (typeof meta !== 'object' || Array.isArray(meta) || Object.values(meta).some((v) => typeof v !== 'string')) {
        throw new HttpError(400, 'injectServer metadata must map names to strings');
      }
      const flavor = options.flavor ? sim.flavorByIdOrName(options.flavor) : sim.config.flavors[0];
      if (!flavor) throw new HttpError(400, `unknown flavor ${options.flavor}`);
      const net = sim.networkByIdOrName(options.network ?? 'private');
      if (!net) throw new HttpError(400, `unknown network ${options.network}`);
      const user = sim.config.users[0];
      const s = await sim.createServer({
        name: options.name,
        imageRef: Object.keys(sim.data.images)[0] ?? '',
        flavor,
        networks: [net],
        ports: [],
        keyName: options.keyName ?? null,
        az: sim.config.availabilityZones[0],
        securityGroups: ['default'],
        userData: null,
        configDrive: false,
        metadata: { ...options.metadata },
        // A boot volume, so tests can give an unmanaged server volume usage.
        blockDeviceMapping: options.volumeSizeGb
          ? [{ boot_index: 0, source_type: 'image', destination_type: 'volume', volume_size: options.volumeSizeGb, delete_on_termination: true }]
          : null,
        projectId: user.projectId,
        userId: user.id,
      });
      return adminServer(sim, s);
    },
    createDownPort(options = {}) {
      const net = sim.networkByIdOrName(options.network ?? 'private');
      if (!net) throw new HttpError(400, `unknown network ${options.network}`);
      const port = sim.createPort(net, { deviceId: '', deviceOwner: options.deviceOwner ?? '', status: 'DOWN' });
      return portView(sim, port);
    },
    async createFloatingIp() {
      const net = Object.values(sim.data.networks).find((n) => n.external);
      if (!net) throw new HttpError(400, 'no external network');
      return fipView(sim, await allocateFloatingIp(sim, net.id, null));
    },
    async killServer(id, options = {}) {
      const s = sim.data.servers[id];
      if (!s) throw new HttpError(404, `Instance ${id} could not be found.`);
      s.sshKilled = true;
      await sim.ssh?.stop(id);
      const status = options.status === undefined ? 'SHUTOFF' : options.status;
      s.forcedStatus = status;
      if (status === 'ERROR') s.fault = { code: 500, message: options.message ?? 'Instance crashed (simulated)', created: sim.now() };
      s.updatedAt = sim.now();
      sim.changed();
      return adminServer(sim, s);
    },
    sshHostKeys: hostKeys,
    flush: () => sim.store.flush(),
  };
}

export function adminServer(sim: SimCloud, s: ServerRecord): AdminServer {
  const view = sim.view(s);
  return {
    id: s.id,
    name: s.name,
    status: view.status,
    taskState: view.taskState,
    metadata: s.metadata,
    flavor: s.flavor.name,
    keyName: s.keyName,
    fixedIps: s.nics.map((n) => n.ip),
    floatingIps: sim.floatingIpsOf(s).map((f) => f.address),
    sshHost: s.sshPort !== null && s.nics[0] ? s.nics[0].ip : null,
    sshPort: s.sshPort,
    sandboxDir: sim.store.sandboxPath(s.id),
    fault: s.fault?.message ?? null,
    deleting: s.deletedAt !== null,
  };
}

export function adminRoutes(sim: SimCloud, admin: SimulatorAdmin): Route[] {
  const body = (ctx: RequestContext) => readJson(ctx);
  return [
    route('GET', '/state', async (ctx) => sendJson(ctx, 200, await admin.state())),
    route('GET', '/api-calls', (ctx) => sendJson(ctx, 200, { calls: Object.fromEntries(sim.apiCalls) })),
    route('GET', '/servers', async (ctx) => sendJson(ctx, 200, { servers: await admin.listServers() })),
    route('GET', '/ssh-host-keys', (ctx) => sendJson(ctx, 200, { keys: admin.sshHostKeys() })),
    route('POST', '/servers', async (ctx) => sendJson(ctx, 201, { server: await admin.injectServer((await body(ctx)) as unknown as InjectServerOptions) })),
    route('POST', '/servers/:id/kill', async (ctx, [id]) => {
      const b = await body(ctx);
      const status = b.status === undefined ? 'SHUTOFF' : (b.status as 'SHUTOFF' | 'ERROR' | null);
      if (status !== null && status !== 'SHUTOFF' && status !== 'ERROR') throw new HttpError(400, 'status must be SHUTOFF, ERROR or null');
      sendJson(ctx, 200, { server: await admin.killServer(id, { status, message: typeof b.message === 'string' ? b.message : undefined }) });
    }),
    route('GET', '/faults', (ctx) => sendJson(ctx, 200, { faults: admin.getFaults() })),
    route('POST', '/faults', async (ctx) => sendJson(ctx, 200, { faults: admin.setFaults((await body(ctx)) as FaultConfig, { merge: true }) })),
    route('PUT', '/faults', async (ctx) => sendJson(ctx, 200, { faults: admin.setFaults((await body(ctx)) as FaultConfig) })),
    route('DELETE', '/faults', (ctx) => {
      admin.clearFaults();
      sendJson(ctx, 200, { faults: admin.getFaults() });
    }),
    route('POST', '/quotas', async (ctx) => sendJson(ctx, 200, { quotas: admin.setQuotas((await body(ctx)) as Partial<SimQuotas>) })),
    route('POST', '/tokens/expire', (ctx) => sendJson(ctx, 200, { expired: admin.expireTokens() })),
    route('POST', '/ports', async (ctx) => {
      const b = await body(ctx);
      sendJson(ctx, 201, { port: admin.createDownPort({ network: b.network as string | undefined, deviceOwner: b.device_owner as string | undefined }) });
    }),
    route('PUT', '/ports/:id', async (ctx, [id]) => {
      const port = sim.data.ports[id];
      if (!port) throw new HttpError(404, `Port ${id} could not be found.`);
      const status = (await body(ctx)).status as PortRecord['status'];
      if (!['ACTIVE', 'DOWN', 'BUILD'].includes(status)) throw new HttpError(400, 'status must be ACTIVE, DOWN or BUILD');
      port.status = status;
      sim.changed();
      sendJson(ctx, 200, { port: portView(sim, port) });
    }),
    route('POST', '/floatingips', async (ctx) => sendJson(ctx, 201, { floatingip: await admin.createFloatingIp() })),
  ];
}
