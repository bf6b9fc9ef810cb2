// What a launch waits for before a node is ready: an SSH label's host key scan, or for another
// connection type (winrm) its TCP port, both within boot-timeout; when that fails and the label
// asks for it, the server's console log is fetched and logged.
import { createServer, type Server } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { newRequest } from '../../src/model/factories.ts';
import { OpenStackProvider } from '../../src/cloud/openstack/provider.ts';
import { Launcher } from '../../src/launcher/launcher.ts';
import { openStackDrivers } from '../../src/launcher/driver/openstack-driver.ts';
import { systemClock } from '../../src/util/clock.ts';
import { waitFor } from '../helpers/wait.ts';
import { startEnv, type LauncherEnv } from './launcher-env.ts';

function yaml(bootTimeout: number, winrmPort: number): string {
  return `
labels:
  - name: keyed
  - name: win
providers:
  - name: sim
    cloud: sim
    rate: 0.001
    boot-timeout: ${bootTimeout}
    launch-timeout: ${bootTimeout + 20}
    launch-retries: 1
    cloud-images:
      - name: cirros
        image-name: cirros
        username: cirros
      - name: windows
        image-name: cirros
        connection-type: winrm
        connection-port: ${winrmPort}
    pools:
      - name: main
        max-servers: 4
        auto-floating-ip: false
        networks: [private]
        host-key-checking: true
        labels:
          - name: keyed
            cloud-image: cirros
            flavor-name: m1.tiny
            console-log: true
          - name: win
            cloud-image: windows
            flavor-name: m1.tiny
            console-log: true
`;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('connection checks before ready', () => {
  let env: LauncherEnv | undefined;
  let launcher: Launcher | undefined;
  let provider: OpenStackProvider | undefined;
  let listener: Server | undefined;
  const logLines: Record<string, unknown>[] = [];
  afterEach(async () => {
    await launcher?.stop().catch(() => {});
    await provider?.stop().catch(() => {});
    if (listener) await new Promise<void>((r) => listener!.close(() => r()));
    listener = undefined;
    await env?.close();
    env = undefined;
    logLines.length = 0;
  });

  async function start(name: string, bootTimeout: number, winrmPort: number): Promise<LauncherEnv> {
    // The launcher's SSH scanner is off in the simulator (ssh disabled): scans find nothing.
    env = await startEnv({ clock: 'system', name, yaml: yaml(bootTimeout, winrmPort) });
    const sink = new Writable({ write(chunk, _enc, cb) { for (const l of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(l)); cb(); } });
    const logger = pino({ level: 'info' }, sink);
    provider = new OpenStackProvider(env.config.providers[0], env.cloud, { clock: systemClock, logger, serverListTtlMs: 20 });
    await provider.start();
    launcher = new Launcher({
      deps: { store: env.store, getConfig: () => env!.config, drivers: openStackDrivers(new Map([['sim', provider]]), { getConfig: () => env!.config, clock: systemClock, pollMs: 10 }), clock: systemClock, logger, hostname: 'conn-test' },
      connection: env.client, refreshIntervalMs: 200,
    });
    await launcher.start();
    return env;
  }

  const submit = (e: LauncherEnv, label: string) => e.zuul.submitRequest(newRequest({ node_types: [label], requestor: 'zuul' }, Date.now()), '200', false);
  const finalState = (e: LauncherEnv, id: string) => waitFor(async () => {
    const r = await e.zuul.getRequest(id);
    return r && (r.state === 'fulfilled' || r.state === 'failed') ? r.state : null;
  }, { timeoutMs: 40_000, message: `request ${id} done` });
  const consoleLogged = () => logLines.filter((l) => l.msg === 'console log of the unreachable node');

  it('a failed host key scan fetches and logs the console (console-log: true)', async () => {
    const e = await start('conn-keyscan', 1, await freePort());
    const r = await submit(e, 'keyed');
    expect(await finalState(e, r.id)).toBe('failed');
    const logged = consoleLogged();
    expect(logged).toHaveLength(1);
    expect(String(logged[0].console)).toContain('SIMULATED CONSOLE OUTPUT');
  });

  it('winrm: a port that never answers fails the launch within boot-timeout, with the console logged', async () => {
    const e = await start('conn-winrm-closed', 1, await freePort());
    const r = await submit(e, 'win');
    expect(await finalState(e, r.id)).toBe('failed');
    expect(consoleLogged()).toHaveLength(1);
    expect(logLines.some((l) => String(l.err ?? '').includes('winrm port'))).toBe(true);
  });

  it('winrm: the node is ready once its port answers', async () => {
    const port = await freePort();
    const e = await start('conn-winrm-open', 30, port);
    const r = await submit(e, 'win');
    // Listen on the new server's own address once the cloud has given it one.
    const ip = await waitFor(async () => (await e.sim.admin.listServers()).find((s) => s.fixedIps.length > 0)?.fixedIps[0] ?? null,
      { timeoutMs: 20_000, message: 'server address' });
    listener = createServer((sock) => sock.destroy());
    await new Promise<void>((res) => listener!.listen(port, ip, () => res()));
    expect(await finalState(e, r.id)).toBe('fulfilled');
    const node = (await e.zuul.listNodes()).find((n) => n.allocated_to === r.id)!;
    expect(node.connection_type).toBe('winrm');
    expect(node.host_keys).toEqual([]);
  });
});
