// A new node is created and locked, and then the write that makes it BUILDING loses its reply
// (a connection loss; the write may have landed). The handler gives the node up; its lock must
// not stay held by our live session, or no cleanup could ever delete the node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuildingNode } from '../../src/launcher/node-allocation.ts';
import type { PoolRuntime } from '../../src/launcher/pool-runtime.ts';
import { newRequest } from '../../src/model/factories.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { ConnectionLossError, ErrorCode } from '../../src/zk/errors.ts';
import type { ZkClient } from '../../src/zk/types.ts';
import { simpleYaml, startEnv, type LauncherEnv } from './launcher-env.ts';

describe('a new node whose BUILDING write loses its reply', () => {
  let env: LauncherEnv;
  beforeAll(async () => {
    env = await startEnv({ name: 'new-node-lost-write', yaml: simpleYaml() });
  });
  afterAll(async () => { await env?.close(); });

  it('is given up with its lock released, so the cleanup can delete it', async () => {
    let lost = false;
    const lossy = new Proxy(env.client, {
      get(target, prop, receiver) {
        if (prop === 'setData') {
          return async (...args: Parameters<ZkClient['setData']>) => {
            const stat = await target.setData(...args);
            if (lost) return stat;
            lost = true;
            throw new ConnectionLossError(ErrorCode.CONNECTION_LOSS, 'reply lost', args[0]);
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as ZkClient;
    const store = new ZkStore(lossy, { logger: silentLogger(), clock: env.clock });
    const provider = env.config.providers[0];
    const pool = provider.pools[0];
    const rt = {
      deps: { store, clock: env.clock, logger: silentLogger() },
      launcherId: 'vm-PoolWorker.sim-main-test',
      config: () => ({ provider, pool }),
    } as unknown as PoolRuntime;
    const request = { ...newRequest({ node_types: ['small'], requestor: 'zuul' }, Date.now()), id: '200-0000000001' };
    const image = {
      nodeImageId: 'cirros', cloudImageId: null, cloudImageName: 'cirros', groupName: 'cirros', username: 'cirros',
      pythonPath: null, shellType: null, connectionType: 'ssh', connectionPort: 22, configDrive: null,
    };

    await expect(createBuildingNode(rt, request, pool, 'small', image, { cores: 1, ram: 512, instances: 1 }, null))
      .rejects.toBeInstanceOf(ConnectionLossError);
    expect(lost).toBe(true);
    const [node] = await env.zuul.listNodes();
    expect(node.state).toBe('building');
    await env.until(async () => !(await env.zuul.nodeIsLocked(node.id)), { withinMs: 5_000, message: 'the new node unlocked' });
  });
});
