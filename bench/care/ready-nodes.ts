// The care benches' fixture: N READY nodes in ZooKeeper, each on a simulator server of its own
// (with an SSH endpoint when the simulator runs them), and leaked servers (tagged by nodepool,
// no node record). Works on the simulator's admin API in this process or, over HTTP, on a
// simulator running as a process of its own.
import type { AdminServer, InjectServerOptions } from '../../src/cloud/sim/admin.ts';
import { newNode } from '../../src/model/factories.ts';
import type { ZkStore } from '../../src/store/zk-store.ts';

/** What the fixture needs of the simulator's admin API. */
export interface SimServers {
  injectServer(options: InjectServerOptions): Promise<AdminServer>;
  listServers(): Promise<AdminServer[]>;
}

/** The admin API of a simulator in another process (its /_admin routes). */
export function simServersOverHttp(url: string): SimServers & { sshHostKeys(): Promise<string[]> } {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/_admin${path}`, {
      method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`simulator ${method} /_admin${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    injectServer: async (options) => (await call<{ server: AdminServer }>('POST', '/servers', options)).server,
    listServers: async () => (await call<{ servers: AdminServer[] }>('GET', '/servers')).servers,
    sshHostKeys: async () => (await call<{ keys: string[] }>('GET', '/ssh-host-keys')).keys,
  };
}

export interface ReadyNodesOptions {
  count: number;
  provider: string;
  pool: string;
  label: string;
  /** The Nova keypair every server accepts (for an SSH-login check). */
  keyName: string;
  /** The nodes' recorded host keys, as a launcher with host-key-checking on scans them (default none). */
  hostKeys?: string[];
}

/** Creates the nodes one at a time (as building, then the server, then ready with its address). */
export async function makeReadyNodes(store: ZkStore, sim: SimServers, o: ReadyNodesOptions): Promise<void> {
  for (let i = 0; i < o.count; i++) {
    const node = await store.createNode(newNode({ provider: o.provider, pool: o.pool, type: [o.label], state: 'building' }, Date.now()));
    await sim.injectServer({ name: `np${node.id}`, keyName: o.keyName, metadata: { nodepool_provider_name: o.provider, nodepool_node_id: node.id } });
  }
  const byNodeId = new Map((await sim.listServers()).map((s) => [s.metadata.nodepool_node_id, s]));
  for (const node of await store.listNodes()) {
    const s = byNodeId.get(node.id);
    if (!s) throw new Error(`node ${node.id} has no server`);
    Object.assign(node, { state: 'ready', external_id: s.id, interface_ip: s.sshHost, connection_port: s.sshPort, host_keys: o.hostKeys ?? [] });
    await store.storeNode(node);
  }
}

/** Servers tagged as the provider's with node ids no node has: what leak cleanup looks for. */
export async function injectLeakedServers(sim: SimServers, provider: string, count: number): Promise<AdminServer[]> {
  const leaked: AdminServer[] = [];
  for (let i = 0; i < count; i++) {
    leaked.push(await sim.injectServer({ name: `np99999${i}`, metadata: { nodepool_provider_name: provider, nodepool_node_id: `99999${i}` } }));
  }
  return leaked;
}
