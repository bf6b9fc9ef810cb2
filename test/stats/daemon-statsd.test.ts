// Upstream's statsd names as a UDP statsd server on 127.0.0.1 receives them from running daemons:
// the launcher process (zk gauges, nodepool.task.* API timers, addressable_requests, a server in
// ERROR as error.status), a launcher losing its ZooKeeper session mid-launch (error.zksession),
// and the builder process (build/upload state and build-request gauges, plus its /metrics).
import dgram from 'node:dgram';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnEntry } from '../helpers/spawn.ts';
import { waitFor } from '../helpers/wait.ts';
import { newRequest } from '../../src/model/factories.ts';
import { createZkClient } from '../../src/zk/client.ts';
import { OpenStackProvider } from '../../src/cloud/openstack/provider.ts';
import { Launcher } from '../../src/launcher/launcher.ts';
import { openStackDrivers } from '../../src/launcher/driver/openstack-driver.ts';
import { createMetrics, type NodepoolMetrics } from '../../src/stats/metrics.ts';
import { systemClock } from '../../src/util/clock.ts';
import { startEnv, simpleYaml, type LauncherEnv } from '../launcher/launcher-env.ts';
import { builderTestEnv, type BuilderTestEnv } from '../builder/builder-env.ts';
import { FAKE_DIB } from '../builder/fake-dib.ts';

let server: dgram.Socket;
let port: number;
const lines: string[] = [];
beforeAll(async () => {
  server = dgram.createSocket('udp4');
  server.on('message', (msg) => lines.push(...msg.toString('utf8').split('\n').filter(Boolean)));
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const seen = (pattern: RegExp) => lines.some((l) => pattern.test(l));
async function expectLines(patterns: RegExp[], timeoutMs = 30_000): Promise<void> {
  try {
    await waitFor(() => patterns.every(seen), { timeoutMs, message: 'statsd lines' });
  } catch {
    throw new Error(`missing statsd lines: ${patterns.filter((p) => !seen(p)).join(', ')}\nreceived (last 60):\n${lines.slice(-60).join('\n')}`);
  }
}
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('launcher process over UDP', () => {
  let env: LauncherEnv | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await env?.close();
  });

  it('sends zk gauges, API call timers, addressable_requests and error.status', async () => {
    env = await startEnv({ clock: 'system', name: 'statsd-launcher', yaml: simpleYaml({ launchRetries: 1 }) });
    const e = env;
    e.sim.admin.setFaults({ errorServers: { count: 1, message: 'No valid host was found' } });
    let out = '';
    child = spawnEntry('launcher/main.ts', ['-f', '-c', e.configPath, '--no-webapp'], {
      env: { OS_CLIENT_CONFIG_FILE: e.cloudsPath, NODEPOOL_SERVER_LIST_TTL_MS: '20', STATSD_HOST: '127.0.0.1', STATSD_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    await waitFor(async () => (await e.zuul.listComponents('pool')).length === 1, { timeoutMs: 30_000, message: 'pool registered' });
    const r = await e.zuul.submitRequest(newRequest({ node_types: ['small'], requestor: 'zuul' }, Date.now()), '200', false);
    // A request no pool can serve: counted nowhere.
    await e.zuul.submitRequest(newRequest({ node_types: ['no-such-label'], requestor: 'zuul' }, Date.now()), '200', false);
    await waitFor(async () => (await e.zuul.getRequest(r.id))?.state === 'failed', { timeoutMs: 30_000, message: `request failed; ${out.slice(-2000)}` });
    const zk = `nodepool\\.launcher\\.${esc(hostname())}\\.zk`;
    await expectLines([
      /^nodepool\.launch\.error\.status:1\|c$/,
      /^nodepool\.launch\.provider\.sim\.error\.status:\d+\|ms$/,
      /^nodepool\.launch\.requestor\.zuul\.error\.status:1\|c$/,
      // Nova create answered 202, the server list 200 (openstacksdk's naming, ids left out).
      /^nodepool\.task\.sim\.compute\.POST\.servers\.202:\d+\|ms$/,
      /^nodepool\.task\.sim\.compute\.POST\.servers\.attempted:1\|c$/,
      /^nodepool\.task\.sim\.compute\.GET\.servers_detail\.200:\d+\|ms$/,
      /^nodepool\.task\.sim\.identity\.POST\.auth_tokens\.201:\d+\|ms$/,
      /^nodepool\.provider\.sim\.pool\.main\.addressable_requests:1\|g$/,
      new RegExp(`^${zk}\\.client\\.connection_queue:\\d+\\|g$`),
      new RegExp(`^${zk}\\.node_cache\\.event_queue:\\d+\\|g$`),
      new RegExp(`^${zk}\\.request_cache\\.playback_queue:0\\|g$`),
      new RegExp(`^${zk}\\.image_cache\\.event_queue:0\\|g$`),
    ]);
    child.kill('SIGTERM');
    await once(child, 'exit');
  }, 90_000);
});

describe('launcher losing its ZooKeeper session mid-launch, over UDP', () => {
  let env: LauncherEnv | undefined;
  let launcher: Launcher | undefined;
  let metrics: NodepoolMetrics | undefined;
  let provider: OpenStackProvider | undefined;
  afterAll(async () => {
    await launcher?.stop().catch(() => {});
    await provider?.stop().catch(() => {});
    await metrics?.close();
    await env?.close();
  });

  it('counts the launch as error.zksession', async () => {
    env = await startEnv({ clock: 'system', name: 'statsd-zksession', sim: { buildDelayMs: 3000 }, yaml: simpleYaml() });
    const e = env;
    metrics = await createMetrics({ statsd: { host: '127.0.0.1', port } });
    provider = new OpenStackProvider(e.config.providers[0], e.cloud, { clock: systemClock, logger: e.logger, serverListTtlMs: 20 });
    await provider.start();
    launcher = new Launcher({
      deps: { store: e.store, getConfig: () => e.config, drivers: openStackDrivers(new Map([['sim', provider]]), { getConfig: () => e.config, clock: systemClock, pollMs: 10 }), clock: systemClock, logger: e.logger, hostname: 'zk-loser', metrics },
      connection: e.client, refreshIntervalMs: 200,
    });
    await launcher.start();
    const r = await e.zuul.submitRequest(newRequest({ node_types: ['small'], requestor: 'zuul' }, Date.now()), '200', false);
    await waitFor(async () => (await e.zuul.listNodes()).some((n) => n.allocated_to === r.id && n.state === 'building'), { timeoutMs: 15_000, message: 'building node' });
    // Another connection resumes the launcher's session and closes it: its locks are gone.
    const thief = createZkClient({ servers: e.zk.servers, chroot: e.zk.chroot, sessionId: e.client.sessionId, sessionPassword: e.client.sessionPassword });
    await thief.connect();
    await thief.close();
    await expectLines([/^nodepool\.launch\.error\.zksession:1\|c$/, /^nodepool\.launch\.provider\.sim\.error\.zksession:\d+\|ms$/]);
  }, 60_000);
});

describe('builder process over UDP and /metrics', () => {
  let env: BuilderTestEnv | undefined;
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await env?.close();
  });

  it('sends build/upload state and build-request gauges and serves them at /metrics', async () => {
    env = await builderTestEnv('statsd-builder', ['sim-a']);
    const e = env;
    const zk = e.zk.servers[0];
    const cfg = join(e.dir, 'nodepool.yaml');
    writeFileSync(join(e.dir, 'control'), 'FAKE_DIB_MODE=ok\n');
    writeFileSync(cfg, `zookeeper-servers:
  - host: ${zk.host}
    port: ${zk.port}
    chroot: ${e.zk.chroot}
images-dir: ${e.imagesDir}
build-log-dir: ${e.logDir}
diskimages:
  - name: img
    dib-cmd: ${FAKE_DIB}
    elements: [debian-minimal, nodepool-minimal]
    release: bookworm
    env-vars:
      FAKE_DIB_CONTROL: ${join(e.dir, 'control')}
      FAKE_DIB_EXPECT_RELEASE: bookworm
  - name: held
    pause: true
    elements: [debian-minimal]
providers:
  - name: sim-a
    cloud: sim-a
    diskimages:
      - name: img
`);
    writeFileSync(join(e.dir, 'clouds.yaml'), e.sims.get('sim-a')!.cloudsYaml('sim-a'));
    // A manual build request for img (upstream: `nodepool image-build img`).
    await e.store.requestImageBuild('img');
    let out = '';
    child = spawnEntry('builder/main.ts', ['-f', '-c', cfg, '--metrics-listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        OS_CLIENT_CONFIG_FILE: join(e.dir, 'clouds.yaml'), STATSD_HOST: '127.0.0.1', STATSD_PORT: String(port),
        NODEPOOL_BUILDER_BUILD_INTERVAL_MS: '100', NODEPOOL_BUILDER_UPLOAD_INTERVAL_MS: '100', NODEPOOL_BUILDER_CLEANUP_INTERVAL_MS: '500',
      },
    });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const host = esc(hostname());
    await expectLines([
      /^nodepool\.image\.img\.image_build_requests:1\|g$/,
      /^nodepool\.image_build_requests:1\|g$/,
      new RegExp(`^nodepool\\.builder\\.${host}\\.image\\.img\\.build\\.state:1\\|g$`),
      new RegExp(`^nodepool\\.builder\\.${host}\\.image\\.held\\.build\\.state:3\\|g$`),
      new RegExp(`^nodepool\\.builder\\.${host}\\.image\\.img\\.provider\\.sim-a\\.upload\\.state:2\\|g$`),
      new RegExp(`^nodepool\\.builder\\.${host}\\.image\\.img\\.provider\\.sim-a\\.upload\\.state:0\\|g$`),
      /^nodepool\.image_update\.img\.sim-a:1\|c$/,
      /^nodepool\.image_build_requests:0\|g$/,
      /^nodepool\.task\.sim-a\.image\.POST\.images\.201:\d+\|ms$/,
    ], 60_000);
    const listening = /"port":(\d+)[^\n]*metrics endpoint listening|metrics endpoint listening[^\n]*"port":(\d+)/.exec(out);
    expect(listening, out.slice(-2000)).not.toBeNull();
    const res = await fetch(`http://127.0.0.1:${listening![1] ?? listening![2]}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('nodepool_image_build_requests 0\n');
    expect(text).toMatch(/nodepool_builder_build_state\{hostname="[^"]+",image="held"\} 3\n/);
    expect(text).toContain('nodepool_image_update_total{image="img",provider="sim-a"} 1\n');
    child.kill('SIGTERM');
    await once(child, 'exit');
  }, 120_000);
});
