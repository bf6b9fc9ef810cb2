// The check cron replacing dead READY nodes: a launcher with min-ready 1 per label and a
// check every second. Killing a node's SSH endpoint (server still ACTIVE) or shutting the
// server off gets it deleted with the reason logged, and min-ready launches a fresh one; a
// healthy node is left alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodepoolConfig } from '../../../src/config/model.ts';
import type { Node } from '../../../src/model/types.ts';
import { createLogger } from '../../../src/util/logger.ts';
import { waitFor } from '../../helpers/wait.ts';
import { simpleYaml } from '../launcher-env.ts';
import { registerKeypair, startCareEnv, type CareEnv } from './care-env.ts';

const SSH_PORT = 2302;

describe('ReadyNodeChecker in the launcher', () => {
  let env: CareEnv;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    env = await startCareEnv({
      name: 'check',
      yaml: simpleYaml({ labels: ['keyed', 'plain'], minReady: 1, hostKeyChecking: true, connectionPort: SSH_PORT, bootTimeout: 10 }),
      sim: { ssh: { enabled: true, port: SSH_PORT }, buildDelayMs: 200 },
    });
    const keyPath = await registerKeypair(env.sim, env.dir, 'check-key');
    const config = structuredClone(env.config) as NodepoolConfig;
    config.cron = { check: '* * * * * *', cleanup: '0 0 1 1 *' };
    for (const label of config.providers[0].pools[0].labels) {
      // Every server gets the keypair; only "keyed" checks by logging in, "plain" by the port.
      Object.assign(label, { keyName: 'check-key' }, label.name === 'keyed' ? { username: 'cloud-user', privateKey: keyPath } : {});
    }
    env.config = config;
    const logger = createLogger('check-test', { level: 'info', destination: { write: (line: string) => { lines.push(JSON.parse(line)); } } });
    await env.startLauncher({ logger });
  });
  afterAll(async () => { await env?.close(); });

  const readyNode = (label: string, not?: string) => waitFor(async () => (await env.zuul.listNodes())
    .find((n) => n.type[0] === label && n.state === 'ready' && n.id !== not), { timeoutMs: 30_000, message: `a ready ${label} node` });

  async function replaced(dead: Node): Promise<Node> {
    const fresh = await readyNode(dead.type[0], dead.id);
    await waitFor(async () => (await env.zuul.getNode(dead.id)) === null, { timeoutMs: 20_000, message: `node ${dead.id} deleted` });
    await waitFor(async () => !(await env.sim.admin.listServers()).some((s) => s.id === dead.external_id && !s.deleting),
      { timeoutMs: 20_000, message: `server of ${dead.id} deleted` });
    return fresh;
  }

  const reasonFor = (id: string) => lines.find((l) => l.node === id && l.msg === 'ready node failed the check; deleting it')?.reason;

  it('replaces a node whose SSH login fails while its server stays ACTIVE', async () => {
    const keyed = await readyNode('keyed');
    const plain = await readyNode('plain');
    await env.sim.admin.killServer(keyed.external_id!, { status: null });
    const fresh = await replaced(keyed);
    expect(String(reasonFor(keyed.id))).toMatch(/^ssh login failed: /);
    // The healthy node went through several checks untouched.
    expect(await env.zuul.getNode(plain.id)).toMatchObject({ state: 'ready' });
    expect(fresh.host_keys.length).toBe(3);
  });

  it('replaces a node whose SSH port stops answering (no private key configured)', async () => {
    const plain = await readyNode('plain');
    await env.sim.admin.killServer(plain.external_id!, { status: null });
    await replaced(plain);
    expect(String(reasonFor(plain.id))).toMatch(/^ssh port failed: .*ECONNREFUSED/);
  });

  it('replaces a node whose server was shut off', async () => {
    const keyed = await readyNode('keyed');
    await env.sim.admin.killServer(keyed.external_id!);
    await replaced(keyed);
    expect(reasonFor(keyed.id)).toBe(`server ${keyed.external_id} is SHUTOFF`);
  });
});
