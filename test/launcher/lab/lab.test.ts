// The launcher as a process against the REAL OpenStack lab (test/lab/README.md): Keystone, Glance,
// Nova (fake driver) and Neutron on loopback. Runs only when OS_CLOUD and OS_CLIENT_CONFIG_FILE
// are set (CI: OS_CLOUD=lab-demo). min-ready 2 gives two READY nodes, a Zuul-style request is
// served and returned, and at the end nothing of ours is left in Nova or Neutron.
// Nothing answers SSH in the lab, so host-key-checking is false (upstream then probes nothing).
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClouds } from '../../../src/config/clouds/load-clouds.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { OpenStackProvider } from '../../../src/cloud/openstack/provider.ts';
import type { ServerInfo } from '../../../src/cloud/provider.ts';
import { newRequest } from '../../../src/model/factories.ts';
import type { Node } from '../../../src/model/types.ts';
import { ZkStore } from '../../../src/store/zk-store.ts';
import { systemClock } from '../../../src/util/clock.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import { testZk } from '../../harness/zk.ts';
import { runEntry, spawnEntry } from '../../helpers/spawn.ts';
import { waitFor } from '../../helpers/wait.ts';

const cloudName = process.env.OS_CLOUD;
const labPresent = Boolean(cloudName && process.env.OS_CLIENT_CONFIG_FILE);
/** Spawned daemons and CLIs see the lab only when given it (test/helpers/spawn.ts strips OS_*). */
const labEnv = { OS_CLOUD: cloudName, OS_CLIENT_CONFIG_FILE: process.env.OS_CLIENT_CONFIG_FILE };
const PROVIDER = `lab${process.pid.toString(36)}`;
const LABEL = 'lab-small';
/** Our servers: np + ten digits (the contract suite's "npc…" servers are not ours). */
const ourName = /^np\d{10}$/;

function nodepoolYaml(zk: { host: string; port: number; chroot: string }, minReady: number): string {
  return `
zookeeper-servers:
  - host: ${zk.host}
    port: ${zk.port}
    chroot: ${zk.chroot}
labels:
  - name: ${LABEL}
    min-ready: ${minReady}
providers:
  - name: ${PROVIDER}
    cloud: ${cloudName}
    rate: 0.01
    boot-timeout: 60
    launch-timeout: 120
    cloud-images:
      - name: lab-image
        image-name: lab-image
        username: root
    pools:
      - name: main
        max-servers: 4
        auto-floating-ip: false
        host-key-checking: false
        networks: [lab-loopback]
        labels:
          - name: ${LABEL}
            cloud-image: lab-image
            flavor-name: m1.tiny
`;
}

describe.runIf(labPresent)('launcher on the OpenStack lab', () => {
  const zk = testZk({ name: 'lab' });
  let dir: string;
  let configPath: string;
  let zkLocation: { host: string; port: number; chroot: string };
  let zuul: ZkStore;
  let cloud: OpenStackProvider;
  let launcher: ChildProcess | undefined;
  let output = '';
  /** Every server of ours seen during the run, and the ports Neutron gave them. */
  const ourServers = new Map<string, ServerInfo>();
  const ourPorts = new Set<string>();
  let floatingIpsBefore = new Set<string>();

  const ours = (s: ServerInfo) => ourName.test(s.name) && s.metadata.nodepool_provider_name === PROVIDER;
  const writeConfig = (minReady: number) => writeFileSync(configPath, nodepoolYaml(zkLocation, minReady));

  /** Remembers our servers and their ports so the end check can look for them by id. */
  async function recordCloud(): Promise<ServerInfo[]> {
    const servers = (await cloud.listServers()).filter(ours);
    for (const s of servers) {
      if (!ourServers.has(s.externalId)) ourServers.set(s.externalId, s);
      for (const p of await cloud.listPorts({ deviceId: s.externalId })) ourPorts.add(p.id);
    }
    return servers;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'np-lab-'));
    configPath = join(dir, 'nodepool.yaml');
    const client = await zk.connect();
    zuul = new ZkStore(client, { logger: silentLogger(), clock: systemClock });
    await zuul.init();
    zkLocation = { host: zk.servers[0].host, port: zk.servers[0].port, chroot: zk.chroot };
    writeConfig(2);
    const { config } = await loadConfig(configPath, { env: {} });
    const clouds = loadClouds({ env: process.env, home: process.env.HOME ?? homedir(), cwd: process.cwd() });
    cloud = new OpenStackProvider(config.providers[0], clouds.clouds[cloudName!], { clock: systemClock, logger: silentLogger() });
    await cloud.start();
    floatingIpsBefore = new Set((await cloud.listFloatingIps()).map((f) => f.id));
    expect((await cloud.listServers()).filter(ours)).toEqual([]);

    launcher = spawnEntry('launcher/main.ts', ['-c', configPath, '--no-webapp'], { stdio: ['ignore', 'pipe', 'pipe'], env: labEnv });
    launcher.stdout!.on('data', (d) => (output += d));
    launcher.stderr!.on('data', (d) => (output += d));
  });

  afterAll(async () => {
    if (launcher && launcher.exitCode === null && launcher.signalCode === null) {
      launcher.kill('SIGKILL');
      await once(launcher, 'exit');
    }
    // Safety net after the assertions: never leave servers of ours behind in the lab.
    if (cloud) {
      for (const s of (await cloud.listServers().catch(() => [])).filter(ours)) {
        const sm = cloud.deleteServer(s.externalId);
        await waitFor(async () => { await sm.advance(); return sm.complete; }, { timeoutMs: 60_000, intervalMs: 500 }).catch(() => undefined);
      }
      await cloud.stop();
    }
    await zk.closeAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const readyUnallocated = async () =>
    (await zuul.listNodes()).filter((n) => n.state === 'ready' && n.allocated_to === null && n.type[0] === LABEL);

  it('min-ready 2 reaches two READY nodes with servers in Nova', async () => {
    const ready = await waitFor(async () => { await recordCloud(); const r = await readyUnallocated(); return r.length >= 2 ? r : null; },
      { timeoutMs: 90_000, intervalMs: 500, message: 'two READY nodes' }).catch((err: unknown) => {
      throw new Error(`${String(err)}; launcher output:\n${output.slice(-4000)}`);
    });
    expect(ready).toHaveLength(2);
    const servers = await recordCloud();
    for (const node of ready) {
      expect(node).toMatchObject({ provider: PROVIDER, pool: 'main', image_id: 'lab-image', username: 'root', connection_type: 'ssh', host_keys: [] });
      expect(node.interface_ip).toMatch(/^127\.42\.0\./);
      const server = servers.find((s) => s.externalId === node.external_id);
      expect(server, `server of node ${node.id}`).toBeDefined();
      expect(server).toMatchObject({ name: `np${node.id}`, status: 'ACTIVE' });
      expect(server!.metadata).toMatchObject({ nodepool_node_id: node.id, nodepool_pool_name: 'main', nodepool_provider_name: PROVIDER });
    }
  });

  it('serves a Zuul-style request, and deletes the used node in Nova', async () => {
    const submitted = await zuul.submitRequest(newRequest({
      node_types: [LABEL], requestor: 'zuul-lab', tenant_name: 'tenant-lab', event_id: 'lab-ev',
    }, Date.now()), '200', false);
    expect(submitted.id).toMatch(/^200-\d{10}$/);
    const done = await waitFor(async () => {
      const r = await zuul.getRequest(submitted.id);
      return r && (r.state === 'fulfilled' || r.state === 'failed') ? r : null;
    }, { timeoutMs: 90_000, intervalMs: 250, message: 'request done' });
    expect(done.state).toBe('fulfilled');
    expect(done.nodes).toHaveLength(1);

    const locks = [];
    const nodes: Node[] = [];
    for (const id of done.nodes) {
      expect((await zuul.getNode(id))?.allocated_to).toBe(submitted.id);
      const lock = await zuul.lockNode(id, { blocking: true, timeoutMs: 30_000 });
      expect(lock).not.toBeNull();
      locks.push(lock!);
      const node = (await zuul.getNode(id))!;
      expect(node).toMatchObject({ allocated_to: submitted.id, state: 'ready', tenant_name: 'tenant-lab', requestor: 'zuul-lab' });
      nodes.push(node);
    }
    await zuul.deleteRequest(submitted.id);
    for (const node of nodes) {
      Object.assign(node, { state: 'in-use', state_time: Date.now() / 1000, user_data: { zuul_system: 'zuul-lab', project_name: 'org/lab' } });
      node.extra = { ...node.extra, id: node.id };
      await zuul.storeNode(node);
    }
    expect((await zuul.getNode(nodes[0].id))?.user_data).toEqual({ zuul_system: 'zuul-lab', project_name: 'org/lab' });
    for (const node of nodes) {
      Object.assign(node, { state: 'used', state_time: Date.now() / 1000 });
      await zuul.storeNode(node);
    }
    for (const lock of locks) await lock.release();

    await waitFor(async () => (await Promise.all(nodes.map((n) => zuul.getNode(n.id)))).every((n) => n === null),
      { timeoutMs: 60_000, intervalMs: 250, message: 'used node znodes deleted' });
    await waitFor(async () => {
      const names = (await recordCloud()).map((s) => s.name);
      return nodes.every((n) => !names.includes(`np${n.id}`));
    }, { timeoutMs: 60_000, intervalMs: 500, message: 'used servers gone from Nova' });
    // min-ready replaces the node that was taken.
    await waitFor(async () => { await recordCloud(); return (await readyUnallocated()).length >= 2; },
      { timeoutMs: 90_000, intervalMs: 500, message: 'min-ready restored' });
  });

  it('min-ready 0 and nodepool delete leave nothing of ours in Nova or Neutron', async () => {
    writeConfig(0);
    launcher!.kill('SIGHUP');
    await waitFor(() => output.includes('configuration reloaded'), { timeoutMs: 30_000, message: 'config reloaded' });
    await recordCloud();
    const remaining = (await zuul.listNodes()).filter((n) => n.provider === PROVIDER);
    expect(remaining.length).toBeGreaterThanOrEqual(2);
    for (const node of remaining) {
      const r = await runEntry('cli/main.ts', ['-c', configPath, 'delete', node.id], { env: labEnv });
      expect(r.code, r.stderr + r.stdout).toBe(0);
    }
    await waitFor(async () => (await zuul.listNodes()).length === 0, { timeoutMs: 90_000, intervalMs: 250, message: 'every node znode deleted' });
    await waitFor(async () => (await cloud.listServers()).filter(ours).length === 0,
      { timeoutMs: 60_000, intervalMs: 500, message: 'no server of ours in Nova' });

    launcher!.kill('SIGTERM');
    const [code] = await once(launcher!, 'exit');
    expect(code, output.slice(-4000)).toBe(0);
    // No new node was started after min-ready went to 0.
    expect(await zuul.listNodes()).toEqual([]);

    const servers = await cloud.listServers();
    // A server named like ours but tagged with another provider is an earlier run's (the lab keeps
    // its data between runs, and a run killed midway leaves its servers): not this run's to judge.
    const mine = (s: ServerInfo) => ourServers.has(s.externalId)
      || (ourName.test(s.name) && (s.metadata.nodepool_provider_name ?? PROVIDER) === PROVIDER);
    expect(servers.filter(mine).map((s) => s.name)).toEqual([]);
    expect(ourServers.size).toBeGreaterThanOrEqual(3);
    // Nova removes the ports it made for our servers; none of them, nor any port on a server of
    // ours, is left in Neutron.
    expect(ourPorts.size).toBeGreaterThanOrEqual(3);
    const ports = await waitFor(async () => {
      const left = (await cloud.listPorts({})).filter((p) => ourPorts.has(p.id) || ourServers.has(p.deviceId));
      return left.length === 0 ? left : null;
    }, { timeoutMs: 30_000, intervalMs: 500, message: 'our ports gone from Neutron' });
    expect(ports).toEqual([]);
    // auto-floating-ip is false: no floating IP was made, and none points at a port of ours.
    const fips = await cloud.listFloatingIps();
    expect(fips.filter((f) => f.portId !== null && ourPorts.has(f.portId))).toEqual([]);
    // The contract suite may share the lab, so only unattached floating IPs made during this
    // run count as possibly ours.
    expect(fips.filter((f) => !floatingIpsBefore.has(f.id) && f.portId === null)).toEqual([]);
  });
});
