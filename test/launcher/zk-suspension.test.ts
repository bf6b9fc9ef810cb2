// A ZooKeeper suspension (the launcher's connection stalls, the session survives): the launcher
// says it is not taking new work, a launch in flight is not duplicated or leaked, nothing new is
// started while suspended, and afterwards the request is fulfilled and min-ready restored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { createZkClient, type ZooKeeperClient } from '../../src/zk/client.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { Launcher } from '../../src/launcher/launcher.ts';
import { OpenStackProvider } from '../../src/cloud/openstack/provider.ts';
import { loadConfig } from '../../src/config/load.ts';
import { newRequest } from '../../src/model/factories.ts';
import { systemClock } from '../../src/util/clock.ts';
import { createLogger } from '../../src/util/logger.ts';
import { startStallProxy, type StallProxy } from '../helpers/stall-proxy.ts';
import { simpleYaml, startEnv, type LauncherEnv } from './launcher-env.ts';
import { openStackDrivers } from '../../src/launcher/driver/openstack-driver.ts';

const BOOT_MS = 3000;

describe('ZooKeeper suspension', () => {
  let env: LauncherEnv;
  let proxy: StallProxy;
  let client: ZooKeeperClient;
  let launcher: Launcher;
  let provider: OpenStackProvider;
  const logLines: { level: number; msg: string; err?: string }[] = [];
  /** Every server name the simulator ever showed (polled), to catch a duplicate launch. */
  const serversSeen = new Set<string>();
  let poller: NodeJS.Timeout;

  beforeAll(async () => {
    env = await startEnv({ clock: 'system', name: 'zk-suspension', sim: { buildDelayMs: BOOT_MS }, yaml: simpleYaml({ minReady: 0 }) });
    proxy = await startStallProxy(env.zk.servers[0]);
    // 12 s session: the client notices the stall after 8 s of silence; the server keeps the session.
    client = createZkClient({ servers: [{ host: proxy.host, port: proxy.port }], chroot: env.zk.chroot, sessionTimeoutMs: 12_000 });
    await client.connect();
    const sink = new Writable({ write(chunk, _enc, done) { for (const l of String(chunk).trim().split('\n')) logLines.push(JSON.parse(l)); done(); } });
    const logger = createLogger('launcher', { level: 'info', destination: sink });
    provider = new OpenStackProvider(env.config.providers[0], env.cloud, { clock: systemClock, logger, serverListTtlMs: 20 });
    await provider.start();
    launcher = new Launcher({
      deps: { store: new ZkStore(client, { logger, clock: systemClock }), getConfig: () => env.config, drivers: openStackDrivers(new Map([['sim', provider]]), { getConfig: () => env.config, clock: systemClock, logger, pollMs: 10 }),
        clock: systemClock, logger, hostname: 'suspended-host' },
      connection: client, refreshIntervalMs: 200,
    });
    await launcher.start();
    poller = setInterval(() => {
      env.sim.admin.listServers().then((list) => { for (const s of list) serversSeen.add(s.name); }, () => {});
    }, 50);
  });

  afterAll(async () => {
    clearInterval(poller);
    proxy?.resume();
    await launcher?.stop();
    await provider?.stop();
    await client?.close();
    await proxy?.close();
    await env?.close();
  });

  it('stops taking work while suspended, keeps the launch in flight, and resumes on the same session', async () => {
    const request = await env.zuul.submitRequest(newRequest({ node_types: ['small'], requestor: 'zuul' }, Date.now()), '200', false);
    const building = await env.until(async () => (await env.zuul.listNodes()).find((n) => n.allocated_to === request.id && n.external_id) ?? null,
      { withinMs: 10_000, message: 'the node building with its server id recorded' });
    const session = client.sessionId;

    proxy.stall();
    await env.until(() => client.state === 'suspended', { withinMs: 15_000, message: 'the launcher noticed the stall' });
    expect(logLines.some((l) => l.msg === 'zookeeper connection suspended: not taking new work')).toBe(true);
    // While suspended: operators raise min-ready (the launcher would start launches if it took
    // work) and the in-flight server finishes booting in the cloud.
    writeFileSync(env.configPath, env.fullYaml.replace('min-ready: 0', 'min-ready: 2'));
    env.config = (await loadConfig(env.configPath, { env: {} })).config;
    // Several pool passes (at least one a second) run while suspended, each taking no work.
    const pool = launcher.poolWorkers()[0];
    const passesBefore = pool.passes;
    await env.until(() => pool.passes >= passesBefore + 3, { withinMs: 10_000, message: 'pool passes while suspended' });
    const whileSuspended = [...serversSeen];
    expect(whileSuspended).toEqual([`np${building.id}`]);

    proxy.resume();
    await env.until(() => client.state === 'connected', { withinMs: 15_000, message: 'reconnected' });
    expect(client.sessionId).toBe(session);

    const done = await env.until(async () => {
      const r = await env.zuul.getRequest(request.id);
      return r && (r.state === 'fulfilled' || r.state === 'failed') ? r : null;
    }, { withinMs: 30_000, message: 'the request answered' });
    expect(done.state).toBe('fulfilled');
    expect(done.nodes).toEqual([building.id]);
    const node = (await env.zuul.getNode(building.id))!;
    expect(node.state).toBe('ready');
    expect(node.external_id).toBe(building.external_id);

    // min-ready 2 is served after the suspension, and the cloud holds exactly the nodes' servers.
    await env.until(async () => (await env.zuul.listNodes()).filter((n) => n.state === 'ready' && n.allocated_to === null).length === 2,
      { withinMs: 30_000, message: 'two min-ready nodes' });
    const nodes = await env.zuul.listNodes();
    const live = (await env.sim.admin.listServers()).filter((s) => !s.deleting).map((s) => s.name).sort();
    expect(live).toEqual(nodes.map((n) => `np${n.id}`).sort());
    // One server per node ever: the suspension caused no relaunch.
    expect(serversSeen.size).toBe(nodes.length);
    const errors = logLines.filter((l) => l.level >= 50).map((l) => JSON.stringify(l));
    expect(errors).toEqual([]);
  });
});
