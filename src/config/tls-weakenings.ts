// Every way the configuration weakens TLS, said once at daemon start: a cloud whose certificate
// is not checked (`verify: false` / `insecure: true` in clouds.yaml), a Keystone reached over
// plain http://, a ZooKeeper ensemble without `zookeeper-tls`. Each is allowed (labs, local
// ensembles) but should never be in effect unnoticed.
import { homedir } from 'node:os';
import type { Logger } from '../util/logger.ts';
import { loadClouds } from './clouds/load-clouds.ts';
import type { CloudsConfig, NodepoolConfig } from './model.ts';

export interface TlsWeakening {
  /** What is weakened: `zookeeper`, `cloud <name>`. */
  subject: string;
  message: string;
}

/** Pure: the weakenings in effect for the clouds the providers use and the ZooKeeper connection. */
export function tlsWeakenings(config: Pick<NodepoolConfig, 'zookeeperServers' | 'zookeeperTls' | 'providers'>,
                              clouds: Pick<CloudsConfig, 'clouds'> | null): TlsWeakening[] {
  const out: TlsWeakening[] = [];
  if (config.zookeeperServers.length > 0 && !config.zookeeperTls) {
    const servers = config.zookeeperServers.map((s) => `${s.host}:${s.port}`).join(',');
    out.push({ subject: 'zookeeper', message: `ZooKeeper ${servers} is reached in plain text (no zookeeper-tls): node data and credentials cross the network unencrypted` });
  }
  const used = [...new Set(config.providers.map((p) => p.cloud))].sort();
  for (const name of used) {
    const cloud = clouds?.clouds[name];
    if (!cloud) continue;
    if (!cloud.verify) {
      out.push({ subject: `cloud ${name}`, message: `clouds.yaml cloud ${name} has verify: false (or insecure: true): its TLS certificates are not checked` });
    }
    if (/^http:\/\//i.test(cloud.auth.authUrl)) {
      out.push({ subject: `cloud ${name}`, message: `clouds.yaml cloud ${name} authenticates over plain http:// (${cloud.auth.authUrl}): the password or credential secret is sent unencrypted` });
    }
  }
  return out;
}

/** Logs one warning per weakening; clouds.yaml problems are the providers' to report, not ours. */
export function warnTlsWeakenings(logger: Logger, config: NodepoolConfig, env: Readonly<Record<string, string | undefined>> = process.env): TlsWeakening[] {
  let clouds: CloudsConfig | null = null;
  try {
    clouds = loadClouds({ env, home: env.HOME ?? homedir(), cwd: process.cwd() });
  } catch {
    // A broken clouds.yaml is reported when a provider starts.
  }
  const found = tlsWeakenings(config, clouds);
  for (const w of found) logger.warn({ tls: w.subject }, `TLS weakened: ${w.message}`);
  return found;
}
