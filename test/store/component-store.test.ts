import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeComponent } from '../../src/model/component.ts';
import type { BuilderComponent, LauncherComponent, PoolComponent } from '../../src/model/types.ts';
import { captureLogger, fileZk, openStore, type StoreEnv } from './helpers.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { systemClock } from '../../src/util/clock.ts';
import { ConnectionLossError, ErrorCode } from '../../src/zk/errors.ts';
import type { ZkClient } from '../../src/zk/types.ts';

const fixture = (name: string) => readFileSync(new URL(`../model/fixtures/${name}`, import.meta.url), 'utf8');

describe('ZkStore components (real ZooKeeper)', () => {
  const zk = fileZk('store-components');
  let env: StoreEnv;
  beforeAll(async () => {
    env = await openStore(zk);
  });
  afterAll(() => zk.closeAll());

  it('registers ephemeral sequential <hostname><seq10> with sorted-key JSON and updates with versions', async () => {
    const launcher = { ...decodeComponent('launcher', fixture('observed-launcher-component.json')), state: 'stopped' } as LauncherComponent;
    const registration = await env.store.registerComponent(launcher);
    expect(registration.path).toBe('/nodepool/components/launcher/vm0000000000');
    let found = await env.client.getData(registration.path);
    expect(found.stat.ephemeralOwner).toBe(env.client.sessionId);
    expect(found.stat.version).toBe(0);
    await registration.update({ state: 'running' });
    found = await env.client.getData(registration.path);
    expect(found.stat.version).toBe(1);
    expect(found.data.toString('utf8')).toBe(fixture('observed-launcher-component.upstream-bytes.json'));

    // Someone else's write moves the version; our next update still lands (we own the node).
    await env.client.setData(registration.path, found.data);
    await registration.update({ state: 'paused' });
    expect((await env.store.listComponents('launcher')).map((c) => c.state)).toEqual(['paused']);
  });

  it('lists pool components the way Zuul reads them and survives reregister/unregister', async () => {
    const pool = decodeComponent('pool', fixture('observed-pool-component.json')) as PoolComponent;
    const registration = await env.store.registerComponent(pool);
    expect(registration.path).toBe('/nodepool/components/pool/vm0000000000');
    expect((await env.client.getData(registration.path)).data.toString('utf8')).toBe(fixture('observed-pool-component.upstream-bytes.json'));
    await registration.update({ paused: true });
    expect(await env.store.listComponents('pool')).toEqual([{ ...pool, paused: true }]);

    await registration.reregister();
    expect(registration.path).toBe('/nodepool/components/pool/vm0000000001');
    expect((await env.client.getChildren('/nodepool/components/pool')).children).toEqual(['vm0000000001']);
    await registration.unregister();
    await registration.unregister();
    expect(await env.store.listComponents('pool')).toEqual([]);
  });

  it('registers once when the reply to its create is lost, and retries a create that never landed', async () => {
    // A client whose create2 replies are lost: the first call lands and then fails as a
    // connection loss would; with `landFirst` false the first call fails without landing.
    const flaky = (landFirst: boolean): ZkClient => {
      let failed = false;
      return new Proxy(env.client, {
        get(target, prop, receiver) {
          if (prop !== 'create2') return Reflect.get(target, prop, receiver);
          return async (...args: Parameters<ZkClient['create2']>) => {
            if (failed) return target.create2(...args);
            failed = true;
            if (landFirst) await target.create2(...args);
            throw new ConnectionLossError(ErrorCode.CONNECTION_LOSS, 'connection loss (reply lost)', args[0]);
          };
        },
      });
    };
    const builder = { ...decodeComponent('launcher', fixture('observed-launcher-component.json')), kind: 'builder' } as unknown as BuilderComponent;
    for (const landFirst of [true, false]) {
      const log = captureLogger();
      const store = new ZkStore(flaky(landFirst), { logger: log.logger, clock: systemClock });
      const registration = await store.registerComponent(builder);
      const children = (await env.client.getChildren('/nodepool/components/builder')).children;
      expect(children, `landFirst=${landFirst}`).toHaveLength(1);
      expect(registration.path).toBe(`/nodepool/components/builder/${children[0]}`);
      expect(log.lines.filter((l) => l.msg === 'zookeeper unavailable; retrying')).toHaveLength(1);
      await registration.unregister();
    }
  });

  it('skips an undecodable registration with one log line', async () => {
    await env.client.create('/nodepool/components/builder/bad', '[]');
    const before = env.log.lines.length;
    expect(await env.store.listComponents('builder')).toEqual([]);
    expect(env.log.lines.slice(before)).toHaveLength(1);
  });
});
