// ZooKeeper session loss: the launcher's ephemeral registrations and locks vanish; it
// re-registers on the new session, the node it was building is deleted as an unlocked
// building node, and new requests are served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZkClient } from '../../src/zk/client.ts';
import { newRequest } from '../../src/model/factories.ts';
import { startEnv, simpleYaml, type LauncherEnv } from './launcher-env.ts';

describe('session loss', () => {
  let env: LauncherEnv;
  beforeAll(async () => {
    env = await startEnv({ name: 'session-loss', sim: { buildDelayMs: 2000 }, yaml: simpleYaml() });
    await env.newLauncher();
  });
  afterAll(async () => { await env?.close(); });

  /** Another connection resumes the launcher's session and closes it: the session is gone. */
  async function expireLauncherSession(): Promise<void> {
    const thief = createZkClient({ servers: env.zk.servers, chroot: env.zk.chroot, sessionId: env.client.sessionId, sessionPassword: env.client.sessionPassword });
    await thief.connect();
    await thief.close();
  }

  it('re-registers, cleans up the node it was building and serves new requests', async () => {
    const before = await env.zuul.listComponents('pool');
    expect(before).toHaveLength(1);
    const r = await env.zuul.submitRequest(newRequest({ node_types: ['small'], requestor: 'zuul' }, Date.now()), '200', false);
    const building = await env.until(async () => (await env.zuul.listNodes()).find((n) => n.allocated_to === r.id && n.state === 'building') ?? null,
      { withinMs: 10_000, message: 'building node' });
    const oldSession = env.client.sessionId;

    await expireLauncherSession();
    await env.until(() => env.client.state === 'connected' && env.client.sessionId !== oldSession, { withinMs: 20_000, message: 'new session' });
    const after = await env.until(async () => { const p = await env.zuul.listComponents('pool'); return p.length === 1 ? p : null; },
      { withinMs: 20_000, message: 're-registered pool' });
    expect(after[0].id).toBe(before[0].id);
    expect(await env.zuul.listComponents('launcher')).toHaveLength(1);

    // The building node lost its lock with the session: the delete worker removes it and its server.
    await env.until(async () => (await env.zuul.getNode(building.id)) === null, { withinMs: 30_000, message: 'orphaned building node deleted' });
    await env.until(async () => !(await env.sim.admin.listServers()).some((s) => s.name === `np${building.id}` && !s.deleting),
      { withinMs: 20_000, message: 'its server deleted' });

    const fresh = await env.zuul.submitRequest(newRequest({ node_types: ['small'], requestor: 'zuul' }, Date.now()), '200', false);
    await env.until(async () => (await env.zuul.getRequest(fresh.id))?.state === 'fulfilled', { withinMs: 20_000, message: 'new request served' });
  });
});
