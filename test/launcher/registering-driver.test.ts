// The driver interface's second shape: a driver that never launches but registers READY nodes
// for hosts that already exist (as the static driver does), plugged into an unchanged launcher.
// Requests are served from its nodes, a request it cannot serve waits in `requested` (not
// declined), and a used node is deleted as a znode only and registered again by the driver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newNode, newRequest } from '../../src/model/factories.ts';
import type { Node } from '../../src/model/types.ts';
import type { DriverSyncContext, InstanceInfo, NodeDriver } from '../../src/launcher/driver/driver.ts';
import { Launcher } from '../../src/launcher/launcher.ts';
import { returnNodes, simpleYaml, startEnv, type LauncherEnv } from './launcher-env.ts';

const HOSTS = ['host-a.example', 'host-b.example'];

function hostInstance(host: string): InstanceInfo {
  return {
    externalId: host, status: 'ready', rawStatus: 'registered', metadata: {}, publicIpv4: null, privateIpv4: '127.0.0.1',
    publicIpv6: null, interfaceIp: '127.0.0.1', az: null, region: null, hostId: null, fault: null, cores: 0, ram: 0,
  };
}

/** Registers one READY node per host that has none; never launches, deletes nothing in a cloud. */
function registeringDriver(providerName: string, calls: string[]): NodeDriver {
  return {
    providerName, kind: 'registered-hosts', launchesNodes: false, pauseAtQuota: false, pollMs: 10,
    start: async () => {}, stop: async () => {},
    async sync(ctx: DriverSyncContext) {
      const present = new Set(ctx.nodes.filter((n) => n.state !== 'deleted').map((n) => n.external_id));
      for (const host of HOSTS) {
        if (present.has(host)) continue;
        await ctx.store.createNode(newNode({
          state: 'ready', provider: providerName, pool: 'main', type: ['small'], external_id: host, hostname: host,
          interface_ip: '127.0.0.1', launcher: 'registered', resources: { instances: 1, cores: 0, ram: 0 },
        }, ctx.clock.now()));
        calls.push(`register ${host}`);
      }
      return 200;
    },
    launch: () => { calls.push('launch'); throw new Error('this driver never launches'); },
    findInstance: async (t) => (t.externalId && HOSTS.includes(t.externalId) ? hostInstance(t.externalId) : null),
    delete: (t) => { calls.push(`delete ${t.externalId}`); return { state: 'complete', complete: true, advance: async () => {} }; },
    listInstances: async () => HOSTS.map(hostInstance),
    getInstance: async (id) => (HOSTS.includes(id) ? hostInstance(id) : null),
    quotaLimits: async () => null,
    labelResources: async () => ({ instances: 1 }),
    labelQuota: (_pool, nodes: readonly Node[]) => {
      const free = nodes.filter((n) => n.state === 'ready' && n.allocated_to === null).length;
      return new Map([['small', free]]);
    },
    cloudImageExists: async () => true, availabilityZones: async () => [], consoleLog: async () => '',
  };
}

describe('a driver that registers nodes instead of launching them', () => {
  let env: LauncherEnv;
  let launcher: Launcher;
  const calls: string[] = [];

  beforeAll(async () => {
    env = await startEnv({ name: 'registering-driver', yaml: simpleYaml() });
    launcher = new Launcher({
      deps: { store: env.store, getConfig: () => env.config, drivers: new Map([['sim', registeringDriver('sim', calls)]]),
        clock: env.clock, logger: env.logger, hostname: 'registering-host' },
      connection: env.client, refreshIntervalMs: 200,
    });
    await env.drive(launcher.start());
  });
  afterAll(async () => {
    if (launcher) await env.drive(launcher.stop());
    await env?.close();
  });

  it('serves requests from registered nodes, waits when all are in use, and registers used ones again', async () => {
    const ready = await env.until(async () => {
      const nodes = (await env.zuul.listNodes()).filter((n) => n.state === 'ready');
      return nodes.length === 2 ? nodes : null;
    }, { withinMs: 10_000, message: 'two registered nodes' });
    expect(ready.map((n) => n.external_id).sort()).toEqual(HOSTS);

    const pair = await env.zuul.submitRequest(newRequest({ node_types: ['small', 'small'], requestor: 'zuul' }, Date.now()), '200', false);
    const served = await env.until(async () => {
      const r = await env.zuul.getRequest(pair.id);
      if (r?.state === 'failed') throw new Error('request failed');
      return r?.state === 'fulfilled' ? r : null;
    }, { withinMs: 15_000, message: 'the pair fulfilled' });
    expect(new Set(served.nodes)).toEqual(new Set(ready.map((n) => n.id)));

    // Every host is in use: the next request waits in `requested`, declined by nobody.
    const third = await env.zuul.submitRequest(newRequest({ node_types: ['small'], requestor: 'zuul' }, Date.now()), '200', false);
    // Let the loop make several rounds (the pools pass runs at least every second) first.
    const pool = launcher.poolWorkers()[0];
    const from = pool.passes;
    await env.until(() => pool.passes >= from + 3, { withinMs: 10_000, message: 'three pool passes' });
    const waiting = (await env.zuul.getRequest(third.id))!;
    expect(waiting.state).toBe('requested');
    expect(waiting.declined_by).toEqual([]);

    // Zuul returns the pair: their znodes are deleted (nothing in a cloud) and registered again,
    // and the waiting request is served from a re-registered node.
    await returnNodes(env.zuul, served);
    const done = await env.until(async () => {
      const r = await env.zuul.getRequest(third.id);
      return r?.state === 'fulfilled' ? r : null;
    }, { withinMs: 20_000, message: 'the third request fulfilled after the hosts came back' });
    const node = (await env.zuul.getNode(done.nodes[0]))!;
    expect(HOSTS).toContain(node.external_id);
    expect(served.nodes).not.toContain(node.id);
    expect(calls.filter((c) => c.startsWith('delete')).sort()).toEqual(HOSTS.map((h) => `delete ${h}`));
    expect(calls).not.toContain('launch');
    expect(await env.sim.admin.listServers()).toEqual([]);
  });
});
