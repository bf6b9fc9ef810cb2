// Two launchers (separate ZooKeeper sessions) on the same provider-pool share the requests;
// no node is ever handed to two requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRequest } from '../../src/model/factories.ts';
import type { NodeRequest } from '../../src/model/types.ts';
import { startEnv, simpleYaml, type LauncherEnv } from './launcher-env.ts';

describe('two launchers', () => {
  let env: LauncherEnv;
  beforeAll(async () => {
    env = await startEnv({ name: 'two-launchers', yaml: simpleYaml({ maxServers: 70, minReady: 2 }) });
    await env.newLauncher({ hostname: 'launcher-a' });
    const second = await env.newSession();
    await env.newLauncher({ hostname: 'launcher-b', store: second.store, client: second.client });
  });
  afterAll(async () => { await env?.close(); });

  it('serve 30 requests together without allocating a node twice or over-creating min-ready', async () => {
    const pools = await env.until(async () => { const p = await env.zuul.listComponents('pool'); return p.length === 2 ? p : null; });
    expect(new Set(pools.map((p) => p.hostname))).toEqual(new Set(['launcher-a', 'launcher-b']));
    // Both launchers run min-ready for the same label: together they keep exactly 2.
    await env.until(async () => (await env.zuul.listNodes()).filter((n) => n.state === 'ready' && !n.allocated_to).length === 2,
      { withinMs: 20_000, message: 'min-ready 2' });

    const submitted: NodeRequest[] = [];
    for (let i = 0; i < 30; i++) {
      const size = 1 + (i % 3);
      submitted.push(await env.zuul.submitRequest(newRequest({ node_types: Array(size).fill('small'), requestor: 'zuul' }, Date.now()), '200', false));
    }
    const done = await env.until(async () => {
      const all = await Promise.all(submitted.map((r) => env.zuul.getRequest(r.id)));
      return all.every((r) => r && (r.state === 'fulfilled' || r.state === 'failed')) ? (all as NodeRequest[]) : null;
    }, { withinMs: 60_000, message: 'all requests done' });
    expect(done.filter((r) => r.state !== 'fulfilled').map((r) => r.id)).toEqual([]);

    const owner = new Map<string, string>();
    for (const r of done) {
      expect(r.nodes).toHaveLength(r.node_types.length);
      for (const id of r.nodes) {
        expect(owner.get(id), `node ${id} in ${owner.get(id)} and ${r.id}`).toBeUndefined();
        owner.set(id, r.id);
        const node = await env.zuul.getNode(id);
        expect(node?.allocated_to).toBe(r.id);
      }
    }
    const launchers = new Set<string>();
    for (const id of owner.keys()) launchers.add((await env.zuul.getNode(id))!.launcher!);
    // Both pools built nodes.
    expect(launchers.size).toBe(2);
    const counted = (await env.zuul.listNodes()).length;
    // 60 allocated nodes plus at most the 2 min-ready nodes being replenished.
    expect(counted).toBeGreaterThanOrEqual(60);
    expect(counted).toBeLessThanOrEqual(62);
  });
});
