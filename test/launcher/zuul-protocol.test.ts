// Plays Zuul's side of the protocol (zuul's nodepool.py) against a running launcher on real
// ZooKeeper and the simulator: submit, wait, lock, check, delete, in-use, used, unlock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRequest } from '../../src/model/factories.ts';
import type { Node } from '../../src/model/types.ts';
import { startEnv, simpleYaml, type LauncherEnv } from './launcher-env.ts';

describe('Zuul protocol against the launcher', () => {
  let env: LauncherEnv;
  beforeAll(async () => {
    env = await startEnv({ name: 'zuul-protocol', yaml: simpleYaml({ minReady: 1, maxServers: 10 }) });
    await env.newLauncher();
  });
  afterAll(async () => { await env?.close(); });

  const readyUnallocated = async () =>
    (await env.zuul.listNodes()).filter((n) => n.state === 'ready' && n.allocated_to === null && n.type[0] === 'small');

  it('registers launcher and pool components', async () => {
    const pools = await env.zuul.listComponents('pool');
    expect(pools).toHaveLength(1);
    expect(pools[0]).toMatchObject({ kind: 'pool', name: 'main', provider_name: 'sim', paused: false, supported_labels: ['small'], state: 'running' });
    expect(pools[0].id).toMatch(/^test-host-PoolWorker\.sim-main-[0-9a-f]{32}$/);
    expect(await env.zuul.listComponents('launcher')).toHaveLength(1);
  });

  it('submits min-ready requests as upstream does (900 prefix, NodePool:min-ready, reuse false)', async () => {
    const seen = await env.until(async () => {
      const all = await env.zuul.listRequests();
      return all.find((r) => r.requestor === 'NodePool:min-ready') ?? null;
    }, { withinMs: 20_000, message: 'a min-ready request' });
    expect(seen.id).toMatch(/^900-\d{10}$/);
    expect(seen).toMatchObject({ node_types: ['small'], reuse: false });
  });

  it('serves a request the way Zuul uses it, then deletes the nodes and restores min-ready', async () => {
    const warm = await env.until(async () => { const r = await readyUnallocated(); return r.length >= 1 ? r : null; }, { withinMs: 20_000, message: 'min-ready node' });
    const warmId = warm[0].id;
    const submitted = await env.zuul.submitRequest(newRequest({
      node_types: ['small', 'small'], requestor: 'zuul-system-id', tenant_name: 'tenant-a',
      requestor_data: { job_name: 'tox-py311' }, event_id: 'ev1',
    }, Date.now()), '200', false);
    expect(submitted.id).toMatch(/^200-\d{10}$/);

    const fulfilled = await env.until(async () => {
      const r = await env.zuul.getRequest(submitted.id);
      return r && (r.state === 'fulfilled' || r.state === 'failed') ? r : null;
    }, { withinMs: 20_000, message: 'request fulfilled' });
    expect(fulfilled.state).toBe('fulfilled');
    expect(fulfilled.nodes).toHaveLength(2);
    expect(fulfilled.declined_by).toEqual([]);
    // reuse: true takes the min-ready node first.
    expect(fulfilled.nodes).toContain(warmId);

    // Accept: read, assert allocation, lock (30 s like Zuul), re-assert.
    const locks = [];
    const nodes: Node[] = [];
    for (const id of fulfilled.nodes) {
      const before = await env.zuul.getNode(id);
      expect(before?.allocated_to).toBe(submitted.id);
      expect(before?.state).toBe('ready');
      const lock = await env.zuul.lockNode(id, { blocking: true, timeoutMs: 30_000 });
      expect(lock).not.toBeNull();
      locks.push(lock!);
      const after = (await env.zuul.getNode(id))!;
      expect(after.allocated_to).toBe(submitted.id);
      expect(after).toMatchObject({ provider: 'sim', pool: 'main', type: ['small'], username: 'cirros', connection_type: 'ssh',
        tenant_name: 'tenant-a', requestor: 'zuul-system-id' });
      expect(after.external_id).toBeTruthy();
      expect(after.interface_ip).toMatch(/^127\./);
      expect(after.resources).toMatchObject({ cores: 1, instances: 1, ram: 512 });
      nodes.push(after);
    }
    await env.zuul.deleteRequest(submitted.id);

    // Use: in-use with user_data, then used; Zuul writes an extra "id" key.
    for (const node of nodes) {
      node.state = 'in-use';
      node.state_time = Date.now() / 1000;
      node.user_data = { zuul_system: 'zuul-system-id', project_name: 'org/project' };
      node.extra = { ...node.extra, id: node.id };
      await env.zuul.storeNode(node);
    }
    const stored = await env.zuul.getNode(nodes[0].id);
    expect(stored?.state).toBe('in-use');
    expect(stored?.user_data).toEqual({ zuul_system: 'zuul-system-id', project_name: 'org/project' });
    for (const node of nodes) {
      node.state = 'used';
      node.state_time = Date.now() / 1000;
      await env.zuul.storeNode(node);
    }
    for (const lock of locks) await lock.release();

    await env.until(async () => {
      for (const node of nodes) if (await env.zuul.getNode(node.id)) return false;
      return true;
    }, { withinMs: 15_000, message: 'used nodes deleted' });
    await env.until(async () => {
      const servers = (await env.sim.admin.listServers()).map((s) => s.name);
      return nodes.every((n) => !servers.includes(`np${n.id}`));
    }, { withinMs: 15_000, message: 'servers deleted in the cloud' });
    const restored = await env.until(async () => { const r = await readyUnallocated(); return r.length >= 1 ? r : null; }, { withinMs: 20_000, message: 'min-ready restored' });
    expect(restored.length).toBe(1);
    // Launch metrics under upstream's names, and the node gauges of the stats pass.
    const counters = env.metrics.registry.counters;
    expect(counters.get('nodepool.launch.ready')).toBeGreaterThanOrEqual(2);
    expect(counters.get('nodepool.launch.provider.sim.ready')).toBeGreaterThanOrEqual(2);
    expect(counters.get('nodepool.launch.requestor.zuul-system-id.ready')).toBe(1);
    await env.until(() => env.metrics.registry.gauges.has('nodepool.provider.sim.nodes.ready'), { withinMs: 10_000, message: 'node gauges' });
    expect(env.metrics.registry.gauges.get('nodepool.provider.sim.max_servers')).toBe(10);
    // Exactly one outstanding-or-fulfilled min-ready cycle: no over-creation.
    const all = await env.zuul.listNodes();
    expect(all.filter((n) => n.state !== 'deleting').length).toBe(1);
  });
});
