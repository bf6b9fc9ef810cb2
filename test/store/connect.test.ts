// nodepool.yaml's ZooKeeper settings become client options in one place (store/connect.ts),
// shared by the daemons and the CLI: where the chroot comes from, and a real connection into it.
import { afterAll, describe, expect, it } from 'vitest';
import { connectFromConfig, zkChroot, zkClientOptions } from '../../src/store/connect.ts';
import { nodepoolConfig } from '../builder/config-fixtures.ts';
import { testZk } from '../harness/zk.ts';

const server = (host: string, chroot: string | null = null) => ({ host, port: 2181, chroot });

describe('zkChroot', () => {
  it('takes the chroot of whichever server carries one, as kazoo reads upstream\'s joined host string', () => {
    expect(zkChroot([server('a'), server('b', '/nodepool')])).toBe('/nodepool');
    expect(zkChroot([server('a', '/nodepool'), server('b')])).toBe('/nodepool');
    expect(zkChroot([server('a', '/np'), server('b', '/np')])).toBe('/np');
    expect(zkChroot([server('a', 'np')])).toBe('/np');
    expect(zkChroot([server('a'), server('b', '/')])).toBeUndefined();
  });

  it('refuses servers that name different chroots, saying where', () => {
    expect(() => zkChroot([server('a', '/one'), server('b', '/two')], 'nodepool.yaml: zookeeper-servers'))
      .toThrow('nodepool.yaml: zookeeper-servers: the servers name different chroots (/one, /two); give one chroot');
  });
});

describe('zkClientOptions', () => {
  it('maps servers, chroot, TLS and the session timeout', () => {
    const config = nodepoolConfig({
      zookeeperServers: [server('zk1'), { host: 'zk2', port: 2281, chroot: '/nodepool' }],
      zookeeperTls: { ca: '/ca.pem', cert: '/c.pem', key: '/k.pem' },
      zookeeperTimeout: 7.5,
    });
    expect(zkClientOptions(config)).toEqual({
      servers: [{ host: 'zk1', port: 2181 }, { host: 'zk2', port: 2281 }],
      chroot: '/nodepool',
      tls: { ca: '/ca.pem', cert: '/c.pem', key: '/k.pem' },
      sessionTimeoutMs: 7500,
    });
  });

  it('needs at least one server', () => {
    expect(() => zkClientOptions(nodepoolConfig({ zookeeperServers: [] }))).toThrow('/etc/nodepool/nodepool.yaml: zookeeper-servers is required');
  });
});

describe('connectFromConfig', { timeout: 60_000 }, () => {
  const zk = testZk({ name: 'connect' });
  afterAll(() => zk.closeAll());

  it('connects into the chroot given on the last server only, creating it when missing', async () => {
    await zk.connect(); // the test's own chroot, removed with everything below it by closeAll()
    const [{ host, port }] = zk.servers;
    const chroot = `${zk.chroot}/np`;
    const config = nodepoolConfig({ zookeeperServers: [{ host, port, chroot: null }, { host, port, chroot }] });
    const client = await connectFromConfig(config, { minConnectMs: 5000 });
    try {
      await client.create('/marker', 'x');
    } finally {
      await client.close();
    }
    const root = await zk.connectRoot();
    expect((await root.getChildren(chroot)).children).toContain('marker');
  });
});
