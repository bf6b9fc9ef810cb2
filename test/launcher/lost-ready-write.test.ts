// The write that makes a node READY lands but its reply is lost (a connection loss). The
// attempt counts as failed and its server is deleted, so the node must go back to BUILDING:
// a later write must never say READY for a node without a server. Found as a chaos-test
// failure under load (a READY node with external_id null, handed out as free).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkStore } from '../../src/store/zk-store.ts';
import { newRequest } from '../../src/model/factories.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { ConnectionLossError, ErrorCode } from '../../src/zk/errors.ts';
import type { ZkClient } from '../../src/zk/types.ts';
import { simpleYaml, startEnv, type LauncherEnv } from './launcher-env.ts';

describe('a READY write whose reply is lost', () => {
  let env: LauncherEnv;
  /** Every node write the launcher made: [path, state, external_id]. */
  const nodeWrites: [string, string, string | null][] = [];
  let lostOne = false;

  beforeAll(async () => {
    env = await startEnv({ name: 'lost-ready-write', yaml: simpleYaml({ launchRetries: 3 }) });
    const lossy = new Proxy(env.client, {
      get(target, prop, receiver) {
        if (prop === 'setData') {
          return async (...args: Parameters<ZkClient['setData']>) => {
            const [path, data] = args;
            const record = /^\/nodepool\/nodes\/\d+$/.test(path) ? JSON.parse(Buffer.from(data as Buffer).toString('utf8')) : null;
            const stat = await target.setData(...args);
            if (record) nodeWrites.push([path, record.state, record.external_id ?? null]);
            if (record?.state === 'ready' && !lostOne) {
              lostOne = true;
              throw new ConnectionLossError(ErrorCode.CONNECTION_LOSS, 'reply lost', path);
            }
            return stat;
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as ZkClient;
    // The env's launcher (its own providers, stopped by env.close) on a store over the lossy client.
    await env.newLauncher({ store: new ZkStore(lossy, { logger: silentLogger(), clock: env.clock }), hostname: 'lost-ready-host' });
  });

  afterAll(async () => {
    await env?.close();
  });

  it('sends the node back to BUILDING, never READY without a server, and ends with a live one', async () => {
    const request = await env.zuul.submitRequest(newRequest({ node_types: ['small'], requestor: 'zuul' }, Date.now()), '200', false);
    const done = await env.until(async () => {
      const r = await env.zuul.getRequest(request.id);
      return r && (r.state === 'fulfilled' || r.state === 'failed') ? r : null;
    }, { withinMs: 30_000, message: 'the request answered' });
    expect(lostOne).toBe(true);
    expect(nodeWrites.filter(([, state, externalId]) => state === 'ready' && externalId === null)).toEqual([]);
    expect(done.state).toBe('fulfilled');
    const node = (await env.zuul.getNode(done.nodes[0]))!;
    expect(node.state).toBe('ready');
    const servers = await env.sim.admin.listServers();
    expect(servers.find((s) => s.id === node.external_id)?.deleting).toBe(false);
  });
});
