// Provider preference and tenant-resource-limits end to end (the decisions are unit-tested in
// decide-request.test.ts): two providers on one simulator, a launcher serving both, Zuul's side
// played over a second session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRequest } from '../../src/model/factories.ts';
import type { NodeRequest } from '../../src/model/types.ts';
import { returnNodes, startEnv, type LauncherEnv } from './launcher-env.ts';

const provider = (name: string) => `
  - name: ${name}
    cloud: sim
    rate: 0.001
    cloud-images:
      - name: cirros
        image-name: cirros
    pools:
      - name: main
        max-servers: 10
        auto-floating-ip: false
        networks: [private]
        host-key-checking: false
        labels:
          - name: small
            cloud-image: cirros
            flavor-name: m1.tiny`;

const YAML = `
labels:
  - name: small
tenant-resource-limits:
  - tenant-name: capped
    max-servers: 1
providers:${provider('first')}${provider('second')}
`;

describe('provider preference and tenant limits', () => {
  let env: LauncherEnv;
  beforeAll(async () => {
    env = await startEnv({ name: 'preference-tenants', yaml: YAML });
    await env.newLauncher();
  });
  afterAll(async () => { await env?.close(); });

  const submit = (fields: Partial<NodeRequest>) =>
    env.zuul.submitRequest(newRequest({ node_types: ['small'], requestor: 'zuul', ...fields }, Date.now()), '200', false);
  const stateOf = async (id: string) => (await env.zuul.getRequest(id))?.state;
  const fulfilled = (id: string) => env.until(async () => {
    const r = await env.zuul.getRequest(id);
    return r?.state === 'fulfilled' ? r : null;
  }, { withinMs: 20_000, message: `request ${id} fulfilled` });

  const giveBack = (r: NodeRequest) => returnNodes(env.zuul, r);

  it('serves a request from the provider it names', async () => {
    for (const preferred of ['second', 'first', 'second', 'second', 'first', 'second']) {
      const r = await fulfilled((await submit({ provider: preferred })).id);
      const node = (await env.zuul.getNode(r.nodes[0]))!;
      expect(node.provider).toBe(preferred);
      await giveBack(r);
    }
  });

  it('holds a tenant at its max-servers until its node is returned; other tenants go ahead', async () => {
    const first = await fulfilled((await submit({ tenant_name: 'capped' })).id);
    const second = await submit({ tenant_name: 'capped' });
    const other = await fulfilled((await submit({ tenant_name: 'free' })).id);
    // The other tenant was served while the capped one's second request kept waiting.
    expect(await stateOf(second.id)).toBe('requested');
    const capped = (await env.zuul.listNodes()).filter((n) => n.tenant_name === 'capped' && n.state !== 'deleting' && n.state !== 'deleted');
    expect(capped).toHaveLength(1);

    await giveBack(first);
    const served = await fulfilled(second.id);
    expect((await env.zuul.getNode(served.nodes[0]))!.tenant_name).toBe('capped');
    await giveBack(served);
    await giveBack(other);
    await env.until(async () => (await env.zuul.listNodes()).length === 0, { withinMs: 20_000, message: 'all nodes deleted' });
  });
});
