// ReadyNodeChecker.runOnce on its own (no launcher): which READY nodes it judges, that a dead
// node someone holds is left alone until it can be locked, and that a failing cloud listing
// never gets nodes deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadyNodeChecker } from '../../../src/launcher/check/ready-node-checker.ts';
import type { LauncherDeps } from '../../../src/launcher/deps.ts';
import { newNode } from '../../../src/model/factories.ts';
import type { Node } from '../../../src/model/types.ts';
import { systemClock } from '../../../src/util/clock.ts';
import { waitFor } from '../../helpers/wait.ts';
import { simpleYaml } from '../launcher-env.ts';
import { startCareEnv, type CareEnv } from './care-env.ts';
import { openStackDrivers } from '../../../src/launcher/driver/openstack-driver.ts';

describe('ReadyNodeChecker pass', () => {
  let env: CareEnv;
  let checker: ReadyNodeChecker;

  beforeAll(async () => {
    env = await startCareEnv({ name: 'check-pass', yaml: simpleYaml({ labels: ['small', 'unchecked'] }), sim: { ssh: { enabled: true, port: 0 }, buildDelayMs: 0 } });
    const deps: LauncherDeps = { store: env.store, getConfig: () => env.config, drivers: openStackDrivers(await env.providerMap(), { getConfig: () => env.config }), clock: systemClock, logger: env.logger, hostname: 'check-pass' };
    checker = new ReadyNodeChecker(deps);
    // "small" is reached (host keys were scanned at launch); "unchecked" has host-key-checking off.
    const config = structuredClone(env.config);
    for (const label of config.providers[0].pools[0].labels) label.hostKeyChecking = label.name === 'small';
    env.config = config;
  });
  afterAll(async () => { await env?.close(); });

  /** A READY node on a real simulator server with a live SSH endpoint. */
  async function readyNode(fields: Partial<Node> = {}): Promise<Node> {
    const placeholder = await env.store.createNode(newNode({ provider: 'sim', pool: 'main', type: ['small'], state: 'building' }, Date.now()));
    const injected = await env.sim.admin.injectServer({ name: `np${placeholder.id}`, metadata: { nodepool_provider_name: 'sim', nodepool_node_id: placeholder.id } });
    const s = await waitFor(async () => (await env.sim.admin.listServers()).find((x) => x.id === injected.id && x.sshPort), { message: 'ssh endpoint' });
    Object.assign(placeholder, { state: 'ready', external_id: s.id, interface_ip: s.sshHost, connection_port: s.sshPort, ...fields });
    await env.store.storeNode(placeholder);
    return placeholder;
  }
  const state = async (n: Node) => (await env.zuul.getNode(n.id))?.state;

  it('leaves live nodes alone and deletes dead ones it can lock', async () => {
    const alive = await readyNode();
    const dead = await readyNode();
    const held = await readyNode();
    const allocated = await readyNode({ allocated_to: '200-0000000001' });
    const vanished = await readyNode();
    for (const n of [dead, held, allocated]) await env.sim.admin.killServer(n.external_id!, { status: null });
    await env.sim.admin.killServer(vanished.external_id!, { status: 'SHUTOFF' });
    const other = await env.newSession();
    const lock = await other.store.lockNode(held.id, { blocking: false });

    await checker.runOnce();
    expect(await state(alive)).toBe('ready');
    expect(await state(dead)).toBe('deleting');
    expect(await state(held)).toBe('ready');
    expect(await state(allocated)).toBe('ready');
    expect(await state(vanished)).toBe('deleting');

    await lock!.release();
    await checker.runOnce();
    expect(await state(held)).toBe('deleting');
    expect(await state(alive)).toBe('ready');
  });

  it('deletes nothing while the cloud cannot list servers', async () => {
    const dead = await readyNode();
    await env.sim.admin.killServer(dead.external_id!, { status: 'SHUTOFF' });
    env.sim.admin.setFaults({ errorRate: { compute: 1 } });
    try {
      await checker.runOnce();
      expect(await state(dead)).toBe('ready');
    } finally {
      env.sim.admin.clearFaults();
    }
    await checker.runOnce();
    expect(await state(dead)).toBe('deleting');
  });

  it('requires only an ACTIVE server of nodes launched without host-key-checking', async () => {
    const unreachable = await readyNode({ type: ['unchecked'] });
    const off = await readyNode({ type: ['unchecked'] });
    await env.sim.admin.killServer(unreachable.external_id!, { status: null });
    await env.sim.admin.killServer(off.external_id!, { status: 'SHUTOFF' });
    await checker.runOnce();
    expect(await state(unreachable)).toBe('ready');
    expect(await state(off)).toBe('deleting');
  });
});
