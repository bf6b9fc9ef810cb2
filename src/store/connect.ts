// The one place nodepool.yaml's zookeeper-servers, zookeeper-tls and zookeeper-timeout become a
// ZooKeeper connection, for the daemons and the CLI alike, so they all see the same tree.
import type { NodepoolConfig, ZookeeperServerConfig } from '../config/model.ts';
import type { Logger } from '../util/logger.ts';
import { connectZkClient, type ZooKeeperClient } from '../zk/client.ts';
import type { ZkClientOptions } from '../zk/types.ts';

/**
 * Upstream joins the servers to "host:port/chroot,..." and kazoo takes everything after the first
 * "/" as the chroot: in practice the chroot of whichever server carries one (often only the last).
 * We take that chroot; servers naming two different ones are refused rather than guessed at.
 */
export function zkChroot(servers: readonly ZookeeperServerConfig[], where = 'zookeeper-servers'): string | undefined {
  const chroots = [...new Set(servers.map((s) => s.chroot).filter((c): c is string => !!c && c !== '/'))];
  if (chroots.length > 1) throw new Error(`${where}: the servers name different chroots (${chroots.join(', ')}); give one chroot`);
  if (chroots.length === 0) return undefined;
  return chroots[0].startsWith('/') ? chroots[0] : `/${chroots[0]}`;
}

/** The client options nodepool.yaml asks for (pure). */
export function zkClientOptions(config: NodepoolConfig, logger?: Logger): ZkClientOptions {
  const servers = config.zookeeperServers;
  if (servers.length === 0) throw new Error(`${config.configFile}: zookeeper-servers is required`);
  return {
    servers: servers.map((s) => ({ host: s.host, port: s.port })),
    chroot: zkChroot(servers, `${config.configFile}: zookeeper-servers`),
    tls: config.zookeeperTls ?? undefined,
    sessionTimeoutMs: Math.round(config.zookeeperTimeout * 1000),
    ...(logger ? { logger } : {}),
  };
}

/** "host:port,host:port" for messages. */
export function describeZkServers(config: NodepoolConfig): string {
  return config.zookeeperServers.map((s) => `${s.host}:${s.port}`).join(',');
}

/**
 * Connects as nodepool.yaml says. The first connect waits at least `minConnectMs` (a CLI gives up
 * sooner than a daemon), or the session timeout when that is longer.
 */
export function connectFromConfig(config: NodepoolConfig, options: { logger?: Logger; minConnectMs?: number } = {}): Promise<ZooKeeperClient> {
  const zkOptions = zkClientOptions(config, options.logger);
  return connectZkClient(zkOptions, Math.max(options.minConnectMs ?? 10_000, zkOptions.sessionTimeoutMs ?? 0));
}
