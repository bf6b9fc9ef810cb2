// Every client operation against the real ZooKeeper, over plain TCP and over mutual TLS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZkClient, type ZooKeeperClient } from '../../src/zk/client.ts';
import { BadArgumentsError, BadVersionError, ConnectionLossError, NodeExistsError, NoNodeError, NotEmptyError } from '../../src/zk/errors.ts';
import { CreateMode, type WatchEvent } from '../../src/zk/types.ts';
import { waitFor } from '../helpers/wait.ts';
import { testZk, ZK_TRANSPORTS } from '../harness/zk.ts';
import { freePort } from '../harness/zk-server.ts';

describe.each(ZK_TRANSPORTS)('zk client over %s', (transport) => {
  const zk = testZk({ transport, name: `client-${transport}` });
  let c: ZooKeeperClient;
  beforeAll(async () => {
    c = await zk.connect();
  });
  afterAll(() => zk.closeAll());

  it('connects with a session', () => {
    expect(c.state).toBe('connected');
    expect(c.sessionId).not.toBe(0n);
    expect(c.negotiatedTimeoutMs).toBe(10_000);
  });

  it('creates in all four modes and reads back', async () => {
    expect(await c.create('/modes', 'root')).toBe('/modes');
    expect(await c.create('/modes/p', Buffer.from([1, 2, 3]), CreateMode.PERSISTENT)).toBe('/modes/p');
    expect(await c.create('/modes/e', 'eph', CreateMode.EPHEMERAL)).toBe('/modes/e');
    const ps = await c.create('/modes/ps-', 'x', CreateMode.PERSISTENT_SEQUENTIAL);
    const es = await c.create('/modes/es-', 'y', CreateMode.EPHEMERAL_SEQUENTIAL);
    expect(ps).toMatch(/^\/modes\/ps-\d{10}$/);
    expect(es).toMatch(/^\/modes\/es-\d{10}$/);
    expect(Number(es.slice(-10))).toBe(Number(ps.slice(-10)) + 1);
    const { data, stat } = await c.getData('/modes/p');
    expect([...data]).toEqual([1, 2, 3]);
    expect(stat.ephemeralOwner).toBe(0n);
    expect((await c.getData('/modes/e')).stat.ephemeralOwner).toBe(c.sessionId);
    expect((await c.exists(es))!.ephemeralOwner).toBe(c.sessionId);
    const { children, stat: parent } = await c.getChildren('/modes');
    expect(children.sort()).toEqual(['e', es.slice(7), 'p', ps.slice(7)].sort());
    expect(parent.numChildren).toBe(4);
    await expect(c.create('/modes/p')).rejects.toBeInstanceOf(NodeExistsError);
    await expect(c.create('/missing/child')).rejects.toBeInstanceOf(NoNodeError);
  });

  it('create2 returns the stat; empty data reads back as empty', async () => {
    const { path, stat } = await c.create2('/c2', undefined, CreateMode.PERSISTENT);
    expect(path).toBe('/c2');
    expect(stat.version).toBe(0);
    expect(stat.dataLength).toBe(0);
    expect((await c.getData('/c2')).data.length).toBe(0);
  });

  it('setData and delete honour versions (-1 any, 0 exactly 0)', async () => {
    await c.create('/v', 'a');
    await expect(c.setData('/v', 'b', 1)).rejects.toBeInstanceOf(BadVersionError);
    expect((await c.setData('/v', 'b', 0)).version).toBe(1);
    await expect(c.setData('/v', 'c', 0)).rejects.toBeInstanceOf(BadVersionError);
    expect((await c.setData('/v', 'c')).version).toBe(2);
    await expect(c.delete('/v', 0)).rejects.toBeInstanceOf(BadVersionError);
    await c.delete('/v', 2);
    expect(await c.exists('/v')).toBeNull();
    await expect(c.delete('/v')).rejects.toBeInstanceOf(NoNodeError);
    await c.create('/ne');
    await c.create('/ne/kid');
    await expect(c.delete('/ne')).rejects.toBeInstanceOf(NotEmptyError);
  });

  it('multi: all-or-nothing, version 0 means exactly 0', async () => {
    await c.create('/m', 'v0');
    const ok = await c.multi([
      { op: 'check', path: '/m', version: 0 },
      { op: 'create', path: '/m/a', data: 'x' },
      { op: 'create', path: '/m/s-', mode: CreateMode.PERSISTENT_SEQUENTIAL },
      { op: 'setData', path: '/m', data: 'v1', version: 0 },
    ]);
    expect(ok[0]).toEqual({ op: 'check' });
    expect(ok[1]).toEqual({ op: 'create', path: '/m/a' });
    expect(ok[2].op === 'create' && ok[2].path).toMatch(/^\/m\/s-\d{10}$/);
    expect(ok[3].op === 'setData' && ok[3].stat.version).toBe(1);
    // Version is now 1: a check/setData/delete for version 0 must fail, and nothing applies.
    for (const failing of [
      { op: 'check', path: '/m', version: 0 } as const,
      { op: 'setData', path: '/m', data: 'zzz', version: 0 } as const,
      { op: 'delete', path: '/m/a', version: 5 } as const,
    ]) {
      const err = await c.multi([{ op: 'create', path: '/m/never' }, failing]).catch((e) => e);
      expect(err).toBeInstanceOf(BadVersionError);
      expect(err.opIndex).toBe(1);
      expect(await c.exists('/m/never')).toBeNull();
    }
    expect((await c.getData('/m')).data.toString()).toBe('v1');
    const del = await c.multi([{ op: 'delete', path: '/m/a', version: 0 }, { op: 'check', path: '/m', version: -1 }]);
    expect(del).toEqual([{ op: 'delete' }, { op: 'check' }]);
    const err = await c.multi([{ op: 'create', path: '/m/x/y' }]).catch((e) => e);
    expect(err).toBeInstanceOf(NoNodeError);
    expect(err.opIndex).toBe(0);
  });

  it('sync, mkdirp and deleteRecursive', async () => {
    await c.sync('/');
    await c.mkdirp('/deep/a/b/c');
    await c.mkdirp('/deep/a/b/c');
    await c.create('/deep/a/x', 'x');
    expect((await c.getChildren('/deep/a')).children.sort()).toEqual(['b', 'x']);
    await c.deleteRecursive('/deep');
    expect(await c.exists('/deep')).toBeNull();
    await c.deleteRecursive('/deep'); // missing is fine
  });

  it('rejects bad paths with a typed error, without sending them', async () => {
    for (const bad of ['', 'rel', '/trailing/', '/a//b', '/a/./b']) {
      await expect(c.exists(bad)).rejects.toBeInstanceOf(BadArgumentsError);
    }
    expect(c.state).toBe('connected');
  });

  it('pipelines many requests in flight', async () => {
    await c.create('/pipe');
    const paths = await Promise.all(Array.from({ length: 500 }, (_, i) => c.create(`/pipe/n${i}`, `d${i}`)));
    expect(paths[499]).toBe('/pipe/n499');
    const datas = await Promise.all(paths.map((p) => c.getData(p)));
    expect(datas.map((d) => d.data.toString())).toEqual(paths.map((_, i) => `d${i}`));
  });

  it('one-shot watches fire once: data, exists, children', async () => {
    const events: WatchEvent[] = [];
    const record = (e: WatchEvent): void => { events.push(e); };
    expect(await c.exists('/w', record)).toBeNull();
    await c.create('/w', 'a');
    await waitFor(() => events.length === 1);
    expect(events[0]).toEqual({ type: 'created', path: '/w' });
    await c.getData('/w', record);
    await c.getChildren('/w', record);
    await c.setData('/w', 'b');
    await c.create('/w/kid');
    await c.setData('/w', 'c'); // the data watch is spent: no event
    await waitFor(() => events.length === 3);
    expect(events.slice(1)).toEqual([{ type: 'dataChanged', path: '/w' }, { type: 'childrenChanged', path: '/w' }]);
    await c.exists('/w/kid', record);
    await c.delete('/w/kid');
    await waitFor(() => events.length === 4);
    expect(events[3]).toEqual({ type: 'deleted', path: '/w/kid' });
    await c.sync('/');
    expect(events).toHaveLength(4);
  });

  it('persistent and persistent-recursive watches keep firing until removed', async () => {
    await c.create('/pw');
    const flat: WatchEvent[] = [];
    const deep: WatchEvent[] = [];
    // The server keeps one watch mode per connection and path, so the flat watch uses another client.
    const other = await zk.connect();
    const removeFlat = await other.addWatch('/pw', 'persistent', (e) => flat.push(e));
    const removeDeep = await c.addWatch('/pw', 'persistentRecursive', (e) => deep.push(e));
    await c.setData('/pw', '1');
    await c.setData('/pw', '2');
    await c.create('/pw/a');
    await c.create('/pw/a/b', 'x');
    await c.setData('/pw/a/b', 'y');
    await c.delete('/pw/a/b');
    await waitFor(() => deep.length === 6 && flat.length === 3);
    expect(deep).toEqual([
      { type: 'dataChanged', path: '/pw' },
      { type: 'dataChanged', path: '/pw' },
      { type: 'created', path: '/pw/a' },
      { type: 'created', path: '/pw/a/b' },
      { type: 'dataChanged', path: '/pw/a/b' },
      { type: 'deleted', path: '/pw/a/b' },
    ]);
    expect(flat).toEqual([
      { type: 'dataChanged', path: '/pw' },
      { type: 'dataChanged', path: '/pw' },
      { type: 'childrenChanged', path: '/pw' },
    ]);
    await removeDeep();
    await removeFlat();
    await c.setData('/pw', '3');
    await c.create('/pw/c');
    await c.sync('/');
    await other.sync('/');
    expect(deep).toHaveLength(6);
    expect(flat).toHaveLength(3);
  });

  it('a one-shot watch on a path with a recursive watch does not replace it (ZOOKEEPER-4466)', async () => {
    await c.create('/mix');
    const deep: WatchEvent[] = [];
    const once: WatchEvent[] = [];
    await c.addWatch('/mix', 'persistentRecursive', (e) => deep.push(e));
    await c.getData('/mix', (e) => once.push(e));
    await c.setData('/mix', '1');
    await c.setData('/mix', '2');
    await c.create('/mix/kid');
    await waitFor(() => deep.length === 3);
    expect(once).toEqual([{ type: 'dataChanged', path: '/mix' }]);
    expect(deep.map((e) => e.type)).toEqual(['dataChanged', 'dataChanged', 'created']);
  });

  it('chroot: paths are relative inside, absolute outside', async () => {
    const root = await zk.connectRoot();
    const seen: WatchEvent[] = [];
    await c.addWatch('/cr', 'persistentRecursive', (e) => seen.push(e));
    await root.create(`${zk.chroot}/cr`, 'outside');
    const made = await c.create('/cr/seq-', 'in', CreateMode.EPHEMERAL_SEQUENTIAL);
    expect(made).toMatch(/^\/cr\/seq-\d{10}$/);
    expect((await root.getData(`${zk.chroot}${made}`)).data.toString()).toBe('in');
    expect((await c.getData('/cr')).data.toString()).toBe('outside');
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual([{ type: 'created', path: '/cr' }, { type: 'created', path: made }]);
    const [res] = await c.multi([{ op: 'create', path: '/cr/m-', mode: CreateMode.PERSISTENT_SEQUENTIAL }]);
    expect(res.op === 'create' && res.path).toMatch(/^\/cr\/m-\d{10}$/);
    expect((await c.getChildren('/')).children).toContain('cr');
  });

  it('tries the other servers in the list when one is down', async () => {
    const dead = { host: '127.0.0.1', port: await freePort() };
    for (let i = 0; i < 3; i++) {
      const multi = await zk.connect({ servers: [dead, ...zk.servers, dead] });
      expect(multi.state).toBe('connected');
      expect((await multi.getChildren('/')).children).toContain('modes');
      await multi.close();
    }
  });

  it.runIf(transport === 'tls')('refuses a server whose certificate the CA file does not vouch for', async () => {
    const wrongCa = { ...zk.tls, ca: zk.tls.cert }; // a client certificate is no trust anchor for the server
    const client = createZkClient({ servers: zk.servers, tls: wrongCa });
    await expect(client.connect(1500)).rejects.toThrow(/last error: .*certificate/i);
  });

  it('close() ends the session: ephemerals vanish, later calls fail', async () => {
    const other = await zk.connect();
    await other.create('/bye', '', CreateMode.EPHEMERAL);
    const states: string[] = [];
    other.on('state', (s) => states.push(s));
    await other.close();
    await other.close();
    expect(states).toEqual(['closed']);
    expect(await c.exists('/bye')).toBeNull();
    await expect(other.getData('/')).rejects.toBeInstanceOf(ConnectionLossError);
  });
});
