// What test files use: testZk() gives a file its own chroot on the run's shared ZooKeeper
// (or on a private server) and connects clients to it, over plain TCP or TLS.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createZkClient, type ZooKeeperClient } from '../../src/zk/client.ts';
import type { ZkClientOptions, ZkServer, ZkTlsOptions } from '../../src/zk/types.ts';
import type { ZkEnsemble } from './zk-ensemble.ts';
import type { ZkServerInfo } from './zk-server.ts';

export { startZkServer, type ZkServerHandle, type ZkServerInfo } from './zk-server.ts';
export { startZkEnsemble, type EnsembleMember, type ZkEnsemble } from './zk-ensemble.ts';

export type ZkTransport = 'plain' | 'tls';
/** For describe.each: every ZooKeeper test runs over both. */
export const ZK_TRANSPORTS: readonly ZkTransport[] = ['plain', 'tls'];

export interface TestZk {
  transport: ZkTransport;
  /** Servers for this transport (plain port or TLS port). */
  servers: ZkServer[];
  /** Client TLS files (CA, client cert, client key); set for both transports. */
  tls: ZkTlsOptions;
  /** Unique per testZk() call; created by the first connect(). */
  chroot: string;
  /** A connected client inside the chroot; closed by closeAll(). */
  connect(overrides?: Partial<ZkClientOptions>): Promise<ZooKeeperClient>;
  /** The same, without the chroot (e.g. to look at the chroot from outside). */
  connectRoot(overrides?: Partial<ZkClientOptions>): Promise<ZooKeeperClient>;
  /** Closes every client connect() made and deletes the chroot. */
  closeAll(): Promise<void>;
  /** Requests sent by any client of this harness and not yet answered (a clock driver waits
   *  for none before it moves a manual clock). */
  requestsInFlight(): number;
}

export interface TestZkOptions {
  transport?: ZkTransport;
  /** A private server from startZkServer(); default: the run's shared server. */
  server?: ZkServerInfo;
  /** A private ensemble from startZkEnsemble(): clients get every member's address. */
  ensemble?: ZkEnsemble;
  /** Readable part of the chroot name, e.g. the test file's name. */
  name?: string;
}

export function sharedZkServer(): ZkServerInfo {
  const info = inject('zkServer');
  if (!info) throw new Error('zk harness: no shared server; is test/harness/global-setup.ts in vitest.config.ts?');
  return info;
}

export function testZk(options: TestZkOptions = {}): TestZk {
  const transport = options.transport ?? 'plain';
  const info = options.ensemble ? undefined : (options.server ?? sharedZkServer());
  const servers = options.ensemble ? options.ensemble.servers(transport) : [{ host: info!.host, port: transport === 'tls' ? info!.securePort : info!.plainPort }];
  const pki = options.ensemble?.pki ?? info!.pki;
  const tls = { ca: pki.ca, cert: pki.cert, key: pki.key };
  const name = (options.name ?? 'test').replace(/[^A-Za-z0-9_-]/g, '-');
  const chroot = `/t-${name}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const clients: ZooKeeperClient[] = [];
  let chrootReady: Promise<void> | undefined;

  const open = async (root: boolean, overrides: Partial<ZkClientOptions>): Promise<ZooKeeperClient> => {
    const client = createZkClient({
      servers,
      tls: transport === 'tls' ? tls : undefined,
      sessionTimeoutMs: 10_000,
      chroot: root ? undefined : chroot,
      ...overrides,
    });
    clients.push(client);
    await client.connect();
    return client;
  };

  const ensureChroot = (): Promise<void> => {
    chrootReady ??= (async () => {
      const admin = await open(true, {});
      await admin.mkdirp(chroot);
    })();
    return chrootReady;
  };

  return {
    transport,
    servers,
    tls,
    chroot,
    async connect(overrides = {}) {
      await ensureChroot();
      return open(false, overrides);
    },
    connectRoot(overrides = {}) {
      return open(true, overrides);
    },
    requestsInFlight() {
      return clients.reduce((sum, c) => sum + c.queuedRequests, 0);
    },
    async closeAll() {
      if (chrootReady) {
        try {
          const admin = await open(true, {});
          await admin.deleteRecursive(chroot);
        } catch {
          // A frozen or stopped server must not turn cleanup into a failure.
        }
      }
      await Promise.all(clients.splice(0).map((c) => c.close()));
    },
  };
}
