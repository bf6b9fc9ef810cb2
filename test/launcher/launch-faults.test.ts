// Launch faults against the simulator: quota fault then success, a server in ERROR, a server
// stuck in BUILD, retries exhausted, boot timeout, and a request that can never fit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRequest } from '../../src/model/factories.ts';
import type { NodeRequest } from '../../src/model/types.ts';
import { returnNodes, startEnv, type LauncherEnv } from './launcher-env.ts';

const YAML = `
labels:
  - name: small
  - name: keyed
providers:
  - name: sim
    cloud: sim
    rate: 0.001
    boot-timeout: 1
    launch-timeout: 2
    launch-retries: 2
    cloud-images:
      - name: cirros
        image-name: cirros
        username: cirros
    pools:
      - name: main
        max-servers: 4
        auto-floating-ip: false
        networks: [private]
        host-key-checking: false
        labels:
          - name: small
            cloud-image: cirros
            flavor-name: m1.tiny
          - name: keyed
            cloud-image: cirros
            flavor-name: m1.tiny
            host-key-checking: true
`;

describe('launch faults', () => {
  let env: LauncherEnv;
  /** Every state each node id went through, as a watcher of /nodepool/nodes saw them. */
  const seen = new Map<string, string[]>();
  beforeAll(async () => {
    env = await startEnv({ name: 'launch-faults', yaml: YAML });
    const cache = env.zuul.nodeCache();
    cache.on('changed', (id, node) => {
      if (!node) return;
      const states = seen.get(id) ?? [];
      if (states.at(-1) !== node.state) states.push(node.state);
      seen.set(id, states);
    });
    await cache.ready;
    await env.newLauncher();
  });
  const statesOfOthers = (keep: string[]) => [...seen.entries()].filter(([id]) => !keep.includes(id)).map(([, s]) => s);
  afterAll(async () => { await env?.close(); });

  async function request(labels: string[]): Promise<NodeRequest> {
    const submitted = await env.zuul.submitRequest(newRequest({ node_types: labels, requestor: 'zuul' }, Date.now()), '200', false);
    return env.until(async () => {
      const r = await env.zuul.getRequest(submitted.id);
      return r && (r.state === 'fulfilled' || r.state === 'failed') ? r : null;
    }, { withinMs: 30_000, message: `request ${submitted.id} done` });
  }

  const giveBack = (r: NodeRequest) => returnNodes(env.zuul, r);

  async function serverNames(): Promise<string[]> {
    return (await env.sim.admin.listServers()).filter((s) => !s.deleting).map((s) => s.name);
  }

  async function nothingLeft(): Promise<void> {
    await env.until(async () => {
      const nodes = await env.zuul.listNodes();
      const servers = await serverNames();
      if (nodes.length === 0 && servers.length === 0) return true;
      throw new Error(`left: nodes ${nodes.map((n) => `${n.id}:${n.state}`).join(' ')}; servers ${servers.join(' ')}`);
    }, { withinMs: 20_000, message: 'all nodes and servers gone' });
  }

  it('relaunches after a quota fault (node aborted, not failed)', async () => {
    env.sim.admin.setFaults({ quotaFailNextCreates: 1 });
    seen.clear();
    const r = await request(['small']);
    expect(r.state).toBe('fulfilled');
    expect(r.nodes).toHaveLength(1);
    // A cache may coalesce init and building (the lock takes one request now), never reorder them.
    expect([['init', 'building', 'ready'], ['building', 'ready']]).toContainEqual(seen.get(r.nodes[0]));
    // The first node was aborted on the quota fault and deleted; a second one was launched.
    expect(statesOfOthers(r.nodes)).toEqual([expect.arrayContaining(['building', 'aborted'])]);
    await giveBack(r);
    await nothingLeft();
  });

  it('retries a server that went to ERROR, deleting it first', async () => {
    env.sim.admin.setFaults({ errorServers: { count: 1, message: 'No valid host was found' } });
    seen.clear();
    const r = await request(['small']);
    expect(r.state).toBe('fulfilled');
    // Same node, second attempt: the retry happens inside one launch.
    expect(seen.size).toBe(1);
    await giveBack(r);
    await nothingLeft();
  });

  it('gives up on a server stuck in BUILD after launch-timeout and retries', async () => {
    env.sim.admin.setFaults({ stuckServers: 1 });
    const started = env.clock.now();
    const r = await request(['small']);
    expect(r.state).toBe('fulfilled');
    expect(env.clock.now() - started).toBeGreaterThanOrEqual(2000);
    await giveBack(r);
    await nothingLeft();
  });

  it('fails the node and the request when launch-retries are exhausted', async () => {
    env.sim.admin.setFaults({ errorServers: { count: 2, message: 'boom' } });
    seen.clear();
    const r = await request(['small']);
    expect(r.state).toBe('failed');
    expect([...seen.values()][0]).toEqual(expect.arrayContaining(['building', 'failed']));
    const pools = await env.zuul.listComponents('pool');
    expect(r.declined_by).toEqual([pools[0].id]);
    const why = await env.zuul.listExplanations(r.id);
    expect(why.map((e) => e.reason)).toContain('declined: provider failing (launch failed after retries)');
    await env.zuul.deleteRequest(r.id);
    await nothingLeft();
  });

  it('fails when the node never answers within boot-timeout (host-key-checking on)', async () => {
    // The simulator runs no SSH endpoints here, so nothing answers on port 22.
    const r = await request(['keyed']);
    expect(r.state).toBe('failed');
    await env.zuul.deleteRequest(r.id);
    await nothingLeft();
  });

  it('declines what can never fit, with upstream reason', async () => {
    const r = await request(['small', 'small', 'small', 'small', 'small']);
    expect(r.state).toBe('failed');
    const why = await env.zuul.listExplanations(r.id);
    expect(why.map((e) => e.reason)).toEqual(['declined: quota (it would exceed quota)']);
    const r2 = await request(['gpu']);
    expect(r2.state).toBe('failed');
    expect((await env.zuul.listExplanations(r2.id)).map((e) => e.reason)).toEqual(['declined: node type(s) [gpu] not available']);
  });
});
