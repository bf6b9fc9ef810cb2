import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeComponent } from '../../src/model/component.ts';
import type { LauncherComponent, PoolComponent } from '../../src/model/types.ts';
import { fileZk, openStore, type StoreEnv } from './helpers.ts';

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

  it('skips an undecodable registration with one log line', async () => {
    await env.client.create('/nodepool/components/builder/bad', '[]');
    const before = env.log.lines.length;
    expect(await env.store.listComponents('builder')).toEqual([]);
    expect(env.log.lines.slice(before)).toHaveLength(1);
  });
});
