// Acceptance of the persisted launch: SIGKILL the launcher process while nodes are building,
// start it again on the same host, and the same servers become the READY nodes of the same
// requests. No server is created twice, none is left behind, no node is stuck in building.
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { spawnEntry } from '../helpers/spawn.ts';
import { waitFor } from '../helpers/wait.ts';
import { newRequest } from '../../src/model/factories.ts';
import { startEnv, simpleYaml, type LauncherEnv } from './launcher-env.ts';

describe('launcher killed while nodes build', () => {
  let env: LauncherEnv | undefined;
  const children: ChildProcess[] = [];
  let watching = false;
  afterEach(async () => {
    watching = false;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await env?.close();
    env = undefined;
  });

  function spawnLauncher(e: LauncherEnv): { proc: ChildProcess; output: () => string } {
    let out = '';
    const proc = spawnEntry('launcher/main.ts', ['-c', e.configPath, '--no-webapp'], {
      env: { OS_CLIENT_CONFIG_FILE: e.cloudsPath, NODEPOOL_SERVER_LIST_TTL_MS: '20' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    children.push(proc);
    return { proc, output: () => out };
  }

  it('resumes: the recorded servers become READY, none created twice, none leaked, none stuck', async () => {
    // Boot slow enough that the kill lands while every node is building; deletes slow enough
    // that a duplicate server, had one been made and removed, stays visible to the watcher.
    env = await startEnv({ clock: 'system', name: 'resume-kill9', sim: { buildDelayMs: 6000, deleteDelayMs: 2000 }, yaml: `zookeeper-timeout: 2\n${simpleYaml()}` });
    const e = env;
    // Every server id ever seen per server name, sampled until the test ends.
    const seen = new Map<string, Set<string>>();
    watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const s of await e.sim.admin.listServers().catch(() => [])) {
          if (!seen.has(s.name)) seen.set(s.name, new Set());
          seen.get(s.name)!.add(s.id);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const first = spawnLauncher(e);
    await waitFor(async () => (await e.zuul.listComponents('pool')).length === 1, { timeoutMs: 30_000, message: `pool registered; ${first.output()}` });
    const pair = await e.zuul.submitRequest(newRequest({ node_types: ['small', 'small'], requestor: 'zuul' }, Date.now()), '200', false);
    const single = await e.zuul.submitRequest(newRequest({ node_types: ['small'], requestor: 'zuul' }, Date.now()), '200', false);
    // The Server ID is on the node znode while it is still building (what `nodepool list` shows).
    const building = await waitFor(async () => {
      const nodes = (await e.zuul.listNodes()).filter((n) => n.state === 'building' && n.external_id);
      return nodes.length === 3 ? nodes : null;
    }, { timeoutMs: 30_000, message: `three building nodes with a server id; ${first.output().slice(-2000)}` });
    const recorded = new Map(building.map((n) => [n.id, n.external_id!]));
    const servers = await e.sim.admin.listServers();
    for (const [nodeId, serverId] of recorded) expect(servers.find((s) => s.name === `np${nodeId}`)?.id).toBe(serverId);

    first.proc.kill('SIGKILL');
    await once(first.proc, 'exit');
    expect((await e.zuul.listNodes()).filter((n) => n.state === 'building')).toHaveLength(3);

    const second = spawnLauncher(e);
    const fulfilled = async (id: string) => {
      const r = await e.zuul.getRequest(id);
      if (r?.state === 'failed') throw new Error(`request ${id} failed; ${second.output().slice(-3000)}`);
      return r?.state === 'fulfilled' ? r : null;
    };
    const [donePair, doneSingle] = await waitFor(async () => {
      const a = await fulfilled(pair.id);
      const b = await fulfilled(single.id);
      return a && b ? [a, b] as const : null;
    }, { timeoutMs: 45_000, message: `both requests fulfilled after the restart; ${second.output().slice(-3000)}` });

    // The same nodes, with the same servers, serve the same requests.
    const served = [...donePair.nodes, ...doneSingle.nodes];
    expect(new Set(served)).toEqual(new Set(recorded.keys()));
    for (const nodeId of served) {
      const node = (await e.zuul.getNode(nodeId))!;
      expect(node.state).toBe('ready');
      expect(node.external_id).toBe(recorded.get(nodeId));
    }
    // Let the watcher take a few more samples, then stop it.
    await waitFor(async () => (await e.sim.admin.listServers()).length >= 3, { message: 'servers listed' });
    watching = false;
    await watcher;
    // Never a second server for a node, and no server beyond the three.
    for (const nodeId of recorded.keys()) expect([...(seen.get(`np${nodeId}`) ?? [])]).toEqual([recorded.get(nodeId)]);
    expect([...seen.keys()].sort()).toEqual([...recorded.keys()].map((id) => `np${id}`).sort());
    const live = (await e.sim.admin.listServers()).filter((s) => !s.deleting).map((s) => s.id).sort();
    expect(live).toEqual([...recorded.values()].sort());
    const nodes = await e.zuul.listNodes();
    expect(nodes.map((n) => n.id).sort()).toEqual([...recorded.keys()].sort());
    expect(nodes.filter((n) => n.state !== 'ready')).toEqual([]);

    second.proc.kill('SIGTERM');
    const [code] = await once(second.proc, 'exit');
    expect(code, second.output().slice(-2000)).toBe(0);
  });
});
