// The simulator's HTTP server: one loopback listener, services under path prefixes, auth and faults in front.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../../util/clock.ts';
import { SimCloud } from './cloud.ts';
import { resolveConfig, type SimulatorConfigInput } from './config.ts';
import { applyRequestFaults } from './faults.ts';
import { HttpError, newRequestId, sendError, sendJson, drain, type RequestContext } from './http.ts';
import { authenticate, keystoneRoutes } from './keystone.ts';
import { novaRoutes } from './nova.ts';
import { computeVersionDoc } from './nova-misc.ts';
import { glanceRoutes } from './glance.ts';
import { neutronRoutes } from './neutron.ts';
import { cinderRoutes } from './cinder.ts';
import { adminRoutes, createAdminApi, type SimulatorAdmin } from './admin.ts';
import { dispatch, type Route } from './router.ts';
import { SeededRandom } from './rng.ts';
import { SimStore } from './state.ts';
import { SshEndpoints } from './ssh-endpoint.ts';
import { cloudsYaml, cloudConfig, type CloudsYamlOptions } from './clouds-yaml.ts';
import type { SimService } from './types.ts';

export interface StartSimulatorOptions {
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Where state.json, image files and SSH sandboxes live; a temporary dir (removed on close) when absent. */
  stateDir?: string;
  config?: SimulatorConfigInput;
  clock?: Clock;
  /** Serve HTTPS with this certificate (PEM); `caFile` is written into clouds.yaml as cacert. */
  tls?: { cert: string | Buffer; key: string | Buffer; caFile?: string };
}

export interface RunningSimulator {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  port: number;
  stateDir: string;
  /** A clouds.yaml document with one cloud pointing at this simulator. */
  cloudsYaml(cloudName: string, options?: CloudsYamlOptions): string;
  /** The same cloud entry as an object (the value under clouds.<name>). */
  cloudConfig(options?: CloudsYamlOptions): Record<string, unknown>;
  admin: SimulatorAdmin;
  close(): Promise<void>;
}

interface Mount {
  prefix: string;
  service: SimService | 'admin';
  /** Version segment that belongs to the base URL (links are built from it). */
  base: string;
  routes: Route[];
}

export async function startSimulator(options: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  if (!host.startsWith('127.') && host !== 'localhost' && host !== '::1') throw new Error(`the simulator listens on loopback only, not ${host}`);
  const config = resolveConfig(options.config);
  const store = new SimStore(options.stateDir, config);
  // Faults given in the config win over faults persisted by a previous run.
  if (options.config?.faults) store.data.faults = structuredClone(config.faults);
  const rng = new SeededRandom(store.data.rngState);
  const sim = new SimCloud(config, store, options.clock ?? systemClock, rng);
  const ssh = new SshEndpoints(sim);
  sim.ssh = ssh;
  const admin = createAdminApi(sim, () => ssh.publicHostKeys());

  const mounts: Mount[] = [
    { prefix: '/identity', service: 'identity', base: '', routes: keystoneRoutes(sim) },
    { prefix: '/compute', service: 'compute', base: '/v2.1', routes: novaRoutes(sim) },
    { prefix: '/image', service: 'image', base: '', routes: glanceRoutes(sim) },
    { prefix: '/network', service: 'network', base: '', routes: neutronRoutes(sim) },
    { prefix: '/volume', service: 'volume', base: '/v3', routes: cinderRoutes(sim) },
    { prefix: '/_admin', service: 'admin', base: '', routes: adminRoutes(sim, admin) },
  ];

  let rootUrl = '';
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(sim, mounts, rootUrl, req, res).catch((err: unknown) => {
      res.destroy(err as Error);
    });
  };
  const server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createServer(onRequest);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  rootUrl = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  await ssh.restore();

  let closing: Promise<void> | null = null;
  return {
    url: rootUrl,
    port,
    stateDir: store.dir,
    cloudsYaml: (name, o) => cloudsYaml(sim, rootUrl, name, { cacert: options.tls?.caFile, ...o }),
    cloudConfig: (o) => cloudConfig(sim, rootUrl, { cacert: options.tls?.caFile, ...o }),
    admin,
    close: () => {
      closing ??= (async () => {
        const errors: unknown[] = [];
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await ssh.closeAll().catch((e: unknown) => errors.push(e));
        try {
          store.close();
        } catch (e) {
          errors.push(e);
        }
        if (errors.length) throw new AggregateError(errors, 'simulator close failed');
      })();
      return closing;
    },
  };
}

async function handle(sim: SimCloud, mounts: Mount[], rootUrl: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim');
  let pathname = url.pathname.replace(/\/{2,}/g, '/');
  // Keystone is also answered at the root (/v3) for clients given auth_url without /identity.
  if (pathname === '/v3' || pathname.startsWith('/v3/')) pathname = `/identity${pathname}`;
  const mount = mounts.find((m) => pathname === m.prefix || pathname.startsWith(`${m.prefix}/`));
  const rest = mount ? pathname.slice(mount.prefix.length) : pathname;
  let path = rest;
  if (mount && mount.base && (rest === mount.base || rest.startsWith(`${mount.base}/`))) path = rest.slice(mount.base.length);
  path = path.replace(/\/$/, '').replace(/\.json$/, '');
  const ctx: RequestContext = {
    req,
    res,
    method: req.method ?? 'GET',
    path,
    query: url.searchParams,
    baseUrl: `${rootUrl}${mount?.prefix ?? ''}${mount?.base ?? ''}`,
    rootUrl,
    requestId: newRequestId(),
    service: mount?.service ?? 'admin',
    token: null,
    beforeRespond: () => sim.store.flushPending(),
  };
  try {
    if (!mount) {
      if (pathname === '/' || pathname === '') {
        await drain(ctx);
        const body = JSON.stringify({ simulator: 'nodepool-cloud-sim', identity: `${rootUrl}/identity/v3` });
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      throw new HttpError(404, 'The resource could not be found.');
    }
    if (mount.service !== 'admin') {
      await applyRequestFaults(sim, mount.service);
      await sim.settle();
      // Version documents are public; everything else needs a token, as keystonemiddleware requires.
      const isDiscovery = path === '' || path === '/versions' || (mount.service === 'identity');
      if (!isDiscovery) ctx.token = authenticate(sim, ctx);
    } else {
      await sim.settle();
    }
    if (mount.base && path === rest.replace(/\/$/, '').replace(/\.json$/, '')) {
      // Below the prefix but outside the versioned API (e.g. GET /compute/): only the version list lives there.
      if (path !== '') throw new HttpError(404, 'The resource could not be found.');
      await drain(ctx);
      if (mount.service === 'compute') sendJson(ctx, 300, { versions: [computeVersionDoc(sim, ctx)] });
      else sendJson(ctx, 300, { versions: [] });
      return;
    }
    const count = mount.service === 'admin' ? undefined : (r: Route) => sim.countApiCall(`${ctx.method} ${mount.prefix}${mount.base}${r.template}`);
    await dispatch(mount.routes, ctx, count);
  } catch (err) {
    const httpErr = err instanceof HttpError ? err : new HttpError(500, `Unexpected simulator error: ${(err as Error).message}`);
    // Unread request bodies would otherwise stall keep-alive connections.
    if (!req.complete) req.resume();
    sendError(ctx, httpErr);
  }
}
