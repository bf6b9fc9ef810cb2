// The ready-script step inside a real launch (simulator SSH, real ZooKeeper): the node's
// /etc/nodepool files land in the server's sandbox, the script from the scripts dir runs with
// the NODEPOOL_* variables, its output goes to the per-node log, and only then is the node
// READY. A failing script fails the attempt: the server is deleted, retried, then the node fails.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRequest } from '../../../src/model/factories.ts';
import type { NodeRequest } from '../../../src/model/types.ts';
import type { NodepoolConfig } from '../../../src/config/model.ts';
import { waitFor } from '../../helpers/wait.ts';
import { simpleYaml } from '../launcher-env.ts';
import { bakeImageScripts, registerKeypair, startCareEnv, type CareEnv } from './care-env.ts';

const SSH_PORT = 2301;

const GOOD = `#!/bin/sh
echo "ready on $1 provider=$NODEPOOL_PROVIDER greeting=$NODEPOOL_GREETING other=\${OTHER:-unset}"
echo "a warning" >&2
echo "node ip $(cat "$HOME/etc/nodepool/node")"
date +%s.%N > "$HOME/ready-marker"
`;
const BAD = `#!/bin/sh
echo "packstack exploded on $1"
exit 3
`;

describe('ready-script', () => {
  let env: CareEnv;
  let image: { stop(): void };
  const logDir = () => join(env.dir, 'ready-logs');
  const seen = new Map<string, string[]>();

  beforeAll(async () => {
    env = await startCareEnv({
      name: 'ready-script',
      yaml: simpleYaml({ labels: ['good', 'bad', 'baked'], hostKeyChecking: true, connectionPort: SSH_PORT, launchRetries: 2, bootTimeout: 10, launchTimeout: 30 }),
      sim: { ssh: { enabled: true, port: SSH_PORT }, buildDelayMs: 300 },
    });
    const keyPath = await registerKeypair(env.sim, env.dir, 'np-key');
    const scriptsDir = join(env.dir, 'scripts');
    mkdirSync(scriptsDir);
    writeFileSync(join(scriptsDir, 'good.sh'), GOOD);
    writeFileSync(join(scriptsDir, 'bad.sh'), BAD);
    const config = structuredClone(env.config) as NodepoolConfig;
    config.scriptsDir = scriptsDir;
    for (const label of config.providers[0].pools[0].labels) {
      Object.assign(label, { readyScript: `${label.name}.sh`, username: 'cloud-user', privateKey: keyPath, keyName: 'np-key' });
    }
    env.config = config;
    image = bakeImageScripts(env.sim, { 'baked.sh': '#!/bin/sh\necho "baked into the image, args: $*"\n' });
    const cache = env.zuul.nodeCache();
    cache.on('changed', (id, node) => {
      if (!node) return;
      const states = seen.get(id) ?? [];
      if (states.at(-1) !== node.state) states.push(node.state);
      seen.set(id, states);
    });
    await cache.ready;
    await env.startLauncher({ environment: { NODEPOOL_GREETING: 'hello world', OTHER: 'not passed' }, readyScriptLogDir: logDir() });
  });
  afterAll(async () => {
    image?.stop();
    await env?.close();
  });

  async function request(label: string): Promise<NodeRequest> {
    const submitted = await env.zuul.submitRequest(newRequest({ node_types: [label], requestor: 'zuul' }, Date.now()), '200', false);
    return waitFor(async () => {
      const r = await env.zuul.getRequest(submitted.id);
      return r && (r.state === 'fulfilled' || r.state === 'failed') ? r : null;
    }, { timeoutMs: 45_000, message: `request ${submitted.id} done` });
  }

  it('writes /etc/nodepool, runs the script, logs its output, then the node is READY', async () => {
    const r = await request('good');
    expect(r.state).toBe('fulfilled');
    const node = (await env.zuul.getNode(r.nodes[0]))!;
    expect(node.state).toBe('ready');
    // A watch may skip the quick init → building step; ready is seen once, last.
    await waitFor(() => seen.get(node.id)?.at(-1) === 'ready', { message: 'the watch saw ready' });
    expect(seen.get(node.id)!.at(-1)).toBe('ready');
    expect(seen.get(node.id)!.slice(0, -1).every((s) => s === 'init' || s === 'building')).toBe(true);
    expect([...node.host_keys].sort()).toEqual([...env.sim.admin.sshHostKeys()].sort());
    const server = (await env.sim.admin.listServers()).find((s) => s.id === node.external_id)!;
    const etc = (name: string) => readFileSync(join(server.sandboxDir, 'etc/nodepool', name), 'utf8');
    expect(etc('role')).toBe('primary\n');
    expect(etc('node')).toBe(`${node.interface_ip}\n`);
    expect(etc('primary_node')).toBe(`${node.interface_ip}\n`);
    expect(etc('sub_nodes')).toBe('');
    expect(etc('uuid')).toBe(`${node.external_id}\n`);
    expect(etc('provider')).toBe(`NODEPOOL_PROVIDER=sim\nNODEPOOL_CLOUD=sim\nNODEPOOL_REGION=${node.region ?? ''}\nNODEPOOL_AZ=${node.az ?? ''}\n`);
    expect(etc('id_rsa')).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    expect(etc('id_rsa.pub')).toMatch(/^ssh-rsa AAAA\S+ nodepool-node-\d+\n$/);
    expect(statSync(join(server.sandboxDir, 'etc/nodepool/id_rsa')).mode & 0o777).toBe(0o600);
    expect(statSync(join(server.sandboxDir, 'opt/nodepool-scripts/good.sh')).mode & 0o777).toBe(0o755);
    // The script finished before the node was marked ready.
    const finished = Number(readFileSync(join(server.sandboxDir, 'ready-marker'), 'utf8'));
    expect(finished).toBeLessThanOrEqual(node.state_time);
    const log = readFileSync(join(logDir(), `${node.id}.log`), 'utf8');
    expect(log).toContain(`ready on np${node.id} provider=sim greeting=hello world other=unset`);
    expect(log).toContain('a warning');
    expect(log).toContain(`node ip ${node.interface_ip}`);
    expect(log).toMatch(/=== \S+ exit 0\n/);
    // The login key never reaches the log.
    expect(log).not.toMatch(/PRIVATE KEY/);
  });

  it('fails the attempt on a non-zero exit: server deleted, retried, then the node fails', async () => {
    const before = new Set(seen.keys());
    const r = await request('bad');
    expect(r.state).toBe('failed');
    const ids = [...seen.keys()].filter((id) => !before.has(id));
    expect(ids).toHaveLength(1);
    await waitFor(() => seen.get(ids[0])?.includes('failed'), { message: 'the watch saw failed' });
    expect(seen.get(ids[0])).not.toContain('ready');
    const log = readFileSync(join(logDir(), `${ids[0]}.log`), 'utf8');
    // launch-retries 2: two attempts, each on its own server, each logged.
    expect(log.match(/packstack exploded on np\d+/g)).toHaveLength(2);
    expect(log.match(/=== \S+ exit 3\n/g)).toHaveLength(2);
    const servers = new Set([...log.matchAll(/server (\S+) at /g)].map((m) => m[1]));
    expect(servers.size).toBe(2);
    await env.zuul.deleteRequest(r.id);
    // Both attempts' servers end up deleted (the first before the retry, the second with the node).
    await waitFor(async () => {
      const live = (await env.sim.admin.listServers()).filter((s) => !s.deleting).map((s) => s.id);
      return [...servers].every((id) => !live.includes(id));
    }, { timeoutMs: 20_000, message: 'failed servers deleted' });
  });

  it("runs the image's own copy when the scripts dir has none", async () => {
    const r = await request('baked');
    expect(r.state).toBe('fulfilled');
    const log = readFileSync(join(logDir(), `${r.nodes[0]}.log`), 'utf8');
    expect(log).toContain("baked.sh is not in");
    expect(log).toContain(`baked into the image, args: np${r.nodes[0]}`);
    expect(log).toMatch(/=== \S+ exit 0\n/);
  });
});
