// ZooKeeper stalls while the launcher starts, for longer than its session lasts: start() waits
// it out instead of crashing the daemon, and once ZooKeeper answers again the launcher
// registers exactly one launcher and one pool component and serves min-ready.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createZkClient, type ZooKeeperClient } from '../../src/zk/client.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { Launcher } from '../../src/launcher/launcher.ts';
import { OpenStackProvider } from '../../src/cloud/openstack/provider.ts';
import { systemClock } from '../../src/util/clock.ts';
import { createLogger } from '../../src/util/logger.ts';
import { startStallProxy, type StallProxy } from '../helpers/stall-proxy.ts';
import { simpleYaml, startEnv, type LauncherEnv } from './launcher-env.ts';
import { openStackDrivers } from '../../src/launcher/driver/openstack-driver.ts';

const SESSION_MS = 4_000;

describe('ZooKeeper stalled while the launcher starts', () => {
  let env: LauncherEnv;
  let proxy: StallProxy;
  let client: ZooKeeperClient;
  let launcher: Launcher;
  let provider: OpenStackProvider;
  const logLines: { msg: string; step?: string }[] = [];

  beforeAll(async () => {
    env = await startEnv({ clock: 'system', name: 'zk-startup-stall', yaml: simpleYaml({ minReady: 1 }) });
    proxy = await startStallProxy(env.zk.servers[0]);
    client = createZkClient({ servers: [{ host: proxy.host, port: proxy.port }], chroot: env.zk.chroot, sessionTimeoutMs: SESSION_MS });
    await client.connect();
    const sink = new Writable({ write(chunk, _enc, done) { for (const l of String(chunk).trim().split('\n')) logLines.push(JSON.parse(l)); done(); } });
    const logger = createLogger('launcher', { level: 'info', destination: sink });
    provider = new OpenStackProvider(env.config.providers[0], env.cloud, { clock: systemClock, logger, serverListTtlMs: 20 });
    await provider.start();
    launcher = new Launcher({
      deps: { store: new ZkStore(client, { logger, clock: systemClock }), getConfig: () => env.config, drivers: openStackDrivers(new Map([['sim', provider]]), { getConfig: () => env.config, clock: systemClock, logger, pollMs: 10 }),
        clock: systemClock, logger, hostname: 'stalled-host' },
      connection: client, refreshIntervalMs: 200,
    });
  });

  afterAll(async () => {
    proxy?.resume();
    await launcher?.stop();
    await provider?.stop();
    await client?.close();
    await proxy?.close();
    await env?.close();
  });

  it('waits for ZooKeeper, then registers once and serves min-ready', async () => {
    const session = client.sessionId;
    proxy.stall();
    let outcome: 'pending' | 'started' | Error = 'pending';
    const starting = launcher.start().then(() => { outcome = 'started'; }, (err: Error) => { outcome = err; });
    // Longer than the session: the server expires it, the client finds out when it reconnects.
    await new Promise((r) => setTimeout(r, 2 * SESSION_MS));
    expect(outcome).toBe('pending');
    expect(logLines.some((l) => l.msg === 'zookeeper unavailable; retrying')).toBe(true);

    proxy.resume();
    await env.until(() => outcome !== 'pending', { withinMs: 30_000, message: 'start() finished after the stall' });
    await starting;
    expect(outcome).toBe('started');
    expect(client.sessionId).not.toBe(session);

    const mine = (c: { hostname: string }) => c.hostname === 'stalled-host';
    expect((await env.zuul.listComponents('launcher')).filter(mine)).toHaveLength(1);
    expect((await env.zuul.listComponents('pool')).filter(mine)).toHaveLength(1);
    await env.until(async () => (await env.zuul.listNodes()).some((n) => n.state === 'ready'),
      { withinMs: 20_000, message: 'the min-ready node ready' });
  }, 60_000);
});
