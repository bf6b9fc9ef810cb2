// A failed attempt's server whose delete was accepted by the cloud but not seen through (the
// delete call failed while waiting) must not be adopted by the next attempt: it is still listed,
// ACTIVE or BUILD with task_state deleting, and would vanish under a READY node. Found as a
// rare chaos-test failure (READY nodes without servers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkStore } from '../../src/store/zk-store.ts';
import { Launcher } from '../../src/launcher/launcher.ts';
import { OpenStackProvider } from '../../src/cloud/openstack/provider.ts';
import { TransientError } from '../../src/cloud/errors.ts';
import type { DeleteStateMachine } from '../../src/cloud/provider.ts';
import { newRequest } from '../../src/model/factories.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { simpleYaml, startEnv, type LauncherEnv } from './launcher-env.ts';
import { openStackDrivers } from '../../src/launcher/driver/openstack-driver.ts';

describe('a discarded server is never adopted', () => {
  let env: LauncherEnv;
  let provider: OpenStackProvider;
  let launcher: Launcher;
  const deletesLostTrackOf: string[] = [];

  beforeAll(async () => {
    // Deletes take 1.5 s in the cloud, so a deleted server stays listed while the next attempt looks.
    env = await startEnv({ name: 'discarded-server', sim: { deleteDelayMs: 1500 }, yaml: simpleYaml({ launchTimeout: 5, launchRetries: 2 }) });
    provider = await env.newProvider();
    // The first delete is accepted by the cloud, then the wait for it fails (as when the list
    // call keeps failing): the launcher only knows the delete did not complete.
    const realDelete = provider.deleteServer.bind(provider);
    provider.deleteServer = (externalId: string): DeleteStateMachine => {
      const sm = realDelete(externalId);
      if (deletesLostTrackOf.length > 0) return sm;
      return {
        get state() { return sm.state; },
        get complete() { return sm.complete; },
        async advance() {
          await sm.advance();
          if (sm.state === 'waiting for server deletion') {
            deletesLostTrackOf.push(externalId);
            throw new TransientError('lost track of the delete (test fault)');
          }
        },
      };
    };
    launcher = new Launcher({
      deps: { store: new ZkStore(env.client, { logger: silentLogger(), clock: env.clock }), getConfig: () => env.config,
        drivers: openStackDrivers(new Map([['sim', provider]]), { getConfig: () => env.config, clock: env.clock, pollMs: 10 }), clock: env.clock, logger: silentLogger(), hostname: 'discard-host' },
      connection: env.client, refreshIntervalMs: 200,
    });
    await env.drive(launcher.start());
  });

  afterAll(async () => {
    if (launcher) await env.drive(launcher.stop());
    await provider?.stop();
    await env?.close();
  });

  it('deletes it before the retry creates a new server, and the node gets the new one', async () => {
    // The first server stays in BUILD: attempt 1 hits launch-timeout and deletes it.
    env.sim.admin.setFaults({ stuckServers: 1 });
    const request = await env.zuul.submitRequest(newRequest({ node_types: ['small'], requestor: 'zuul' }, Date.now()), '200', false);
    const done = await env.until(async () => {
      const r = await env.zuul.getRequest(request.id);
      return r && (r.state === 'fulfilled' || r.state === 'failed') ? r : null;
    }, { withinMs: 30_000, message: 'the request answered' });
    expect(deletesLostTrackOf).toHaveLength(1);
    const [discarded] = deletesLostTrackOf;
    expect(done.state).toBe('fulfilled');
    const node = (await env.zuul.getNode(done.nodes[0]))!;
    expect(node.state).toBe('ready');
    expect(node.external_id).not.toBe(discarded);
    const servers = await env.sim.admin.listServers();
    expect(servers.find((s) => s.id === node.external_id)?.deleting).toBe(false);
    expect(servers.some((s) => s.id === discarded)).toBe(false);
  });
});
