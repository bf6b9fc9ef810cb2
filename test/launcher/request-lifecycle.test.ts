// Request life-cycle details: a multi-node request lands in one availability zone; a request
// cancelled while its nodes build leaves them READY and unallocated, and the next request
// reuses them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRequest } from '../../src/model/factories.ts';
import { startEnv, simpleYaml, type LauncherEnv } from './launcher-env.ts';

describe('request life cycle', () => {
  let env: LauncherEnv;
  beforeAll(async () => {
    env = await startEnv({ name: 'lifecycle', sim: { availabilityZones: ['az1', 'az2', 'az3'], buildDelayMs: 1500 }, yaml: simpleYaml({ maxServers: 20 }) });
    await env.newLauncher();
  });
  afterAll(async () => { await env?.close(); });

  const submit = (labels: string[]) =>
    env.zuul.submitRequest(newRequest({ node_types: labels, requestor: 'zuul' }, Date.now()), '200', false);

  it('puts every node of a request in the same availability zone', async () => {
    for (let round = 0; round < 3; round++) {
      const r = await submit(['small', 'small', 'small']);
      const done = await env.until(async () => { const x = await env.zuul.getRequest(r.id); return x?.state === 'fulfilled' ? x : null; },
        { withinMs: 20_000, message: 'fulfilled' });
      const azs = new Set<string | null>();
      for (const id of done.nodes) azs.add((await env.zuul.getNode(id))!.az);
      expect(azs.size).toBe(1);
      expect(['az1', 'az2', 'az3']).toContain([...azs][0]);
      // Zuul takes the nodes and returns them used.
      await env.zuul.deleteRequest(r.id);
      for (const id of done.nodes) {
        const node = (await env.zuul.getNode(id))!;
        node.state = 'used';
        await env.zuul.storeNode(node);
      }
    }
    await env.until(async () => (await env.zuul.listNodes()).length === 0, { withinMs: 20_000, message: 'used nodes deleted' });
  });

  it('returns the nodes of a request cancelled while they build, unallocated and reusable', async () => {
    const r = await submit(['small', 'small']);
    const building = await env.until(async () => {
      const nodes = (await env.zuul.listNodes()).filter((n) => n.allocated_to === r.id && n.state === 'building');
      return nodes.length === 2 ? nodes : null;
    }, { withinMs: 10_000, message: 'two building nodes' });
    await env.zuul.deleteRequest(r.id);
    await env.until(async () => {
      const nodes = await Promise.all(building.map((n) => env.zuul.getNode(n.id)));
      return nodes.every((n) => n?.state === 'ready' && n.allocated_to === null);
    }, { withinMs: 20_000, message: 'nodes ready and unallocated' });
    const next = await submit(['small', 'small']);
    const done = await env.until(async () => { const x = await env.zuul.getRequest(next.id); return x?.state === 'fulfilled' ? x : null; },
      { withinMs: 20_000, message: 'next request fulfilled' });
    expect(done.nodes.sort()).toEqual(building.map((n) => n.id).sort());
  });
});
