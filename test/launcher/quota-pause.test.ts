// At max-servers the pool pauses (component paused: true, explanation recorded), resumes when
// nodes are freed, and breaks a wedge by deleting an idle READY node of another label.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRequest } from '../../src/model/factories.ts';
import type { NodeRequest } from '../../src/model/types.ts';
import type { LockHandle } from '../../src/zk/types.ts';
import { startEnv, simpleYaml, type LauncherEnv } from './launcher-env.ts';

describe('quota pause', () => {
  let env: LauncherEnv;
  beforeAll(async () => {
    env = await startEnv({ name: 'quota-pause', yaml: simpleYaml({ maxServers: 2, labels: ['small', 'medium'] }) });
    await env.newLauncher();
  });
  afterAll(async () => { await env?.close(); });

  const submit = (labels: string[]) =>
    env.zuul.submitRequest(newRequest({ node_types: labels, requestor: 'zuul' }, Date.now()), '200', false);
  const state = async (id: string) => (await env.zuul.getRequest(id))?.state;
  const waitState = (id: string, s: string) => env.until(async () => (await state(id)) === s, { withinMs: 20_000, message: `${id} ${s}` });

  async function take(r: NodeRequest): Promise<LockHandle[]> {
    const locks = [];
    for (const id of r.nodes) locks.push((await env.zuul.lockNode(id, { blocking: true, timeoutMs: 10_000 }))!);
    await env.zuul.deleteRequest(r.id);
    for (const id of r.nodes) {
      const node = (await env.zuul.getNode(id))!;
      node.state = 'in-use';
      await env.zuul.storeNode(node);
    }
    return locks;
  }
  async function giveBack(r: NodeRequest, locks: LockHandle[]): Promise<void> {
    for (const id of r.nodes) {
      const node = (await env.zuul.getNode(id))!;
      node.state = 'used';
      await env.zuul.storeNode(node);
    }
    for (const l of locks) await l.release();
  }

  it('pauses at max-servers and resumes when nodes are returned', async () => {
    const a = await submit(['small', 'small']);
    await waitState(a.id, 'fulfilled');
    const fulfilledA = (await env.zuul.getRequest(a.id))!;
    const locks = await take(fulfilledA);

    const b = await submit(['small']);
    await env.until(async () => (await env.zuul.listComponents('pool'))[0].paused, { withinMs: 10_000, message: 'pool paused' });
    const why = await env.zuul.listExplanations(b.id);
    expect(why.map((e) => e.reason)).toContain('deferred: max-servers reached (pool paused until nodes are freed)');
    expect(await state(b.id)).toBe('pending');
    // A request arriving while paused is left for later (not declined).
    const c = await submit(['small']);
    expect(await state(c.id)).toBe('requested');

    await giveBack(fulfilledA, locks);
    await waitState(b.id, 'fulfilled');
    await waitState(c.id, 'fulfilled');
    await env.until(async () => !(await env.zuul.listComponents('pool'))[0].paused, { withinMs: 10_000, message: 'pool unpaused' });
    for (const id of [b.id, c.id]) {
      const r = (await env.zuul.getRequest(id))!;
      await giveBack(r, await take(r));
    }
    await env.until(async () => (await env.zuul.listNodes()).length === 0, { withinMs: 20_000, message: 'all nodes deleted' });
  });

  it('breaks a wedge: an idle READY node of another label is deleted to make room', async () => {
    // Two READY unallocated "small" nodes fill the pool (a request whose nodes were returned unused).
    const warm = await submit(['small', 'small']);
    await waitState(warm.id, 'fulfilled');
    await env.zuul.deleteRequest(warm.id);
    await env.until(async () => (await env.zuul.listNodes()).filter((n) => n.state === 'ready' && !n.allocated_to).length === 2,
      { withinMs: 20_000, message: 'two idle small nodes' });
    const m = await submit(['medium']);
    await waitState(m.id, 'fulfilled');
    const medium = (await env.zuul.getNode((await env.zuul.getRequest(m.id))!.nodes[0]))!;
    expect(medium.type).toEqual(['medium']);
    expect((await env.zuul.listNodes()).filter((n) => n.type[0] === 'small' && n.state === 'ready').length).toBe(1);
  });
});
