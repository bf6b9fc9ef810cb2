// Acceptance of the static driver: a launcher with a cloud provider (the simulator) and a
// static provider of three real sshd hosts on loopback, one with max-parallel-jobs 2, serving
// Zuul-style requests (lock, in-use, used, unlock). Liveness, host-key mismatch, removing a host
// under a job, declines, and `nodepool list` of static nodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRequest } from '../../../src/model/factories.ts';
import type { Node, NodeRequest } from '../../../src/model/types.ts';
import { validateConfigText } from '../../../src/config/load.ts';
import type { Launcher } from '../../../src/launcher/launcher.ts';
import { runEntry } from '../../helpers/spawn.ts';
import { TestSshd } from '../../helpers/sshd.ts';
import { startEnv, simpleYaml, type LauncherEnv } from '../launcher-env.ts';

const MAX_JOBS: Record<string, number> = { '127.14.3.1': 2, '127.14.3.2': 1, '127.14.3.3': 1 };

function staticYaml(hosts: TestSshd[], opts: { wrongKeyFor?: string } = {}): string {
  return [
    '  - name: rack',
    '    driver: static',
    '    pools:',
    '      - name: main',
    '        node-attributes:',
    '          rack: r12',
    '        nodes:',
    ...hosts.map((h) => [
      `          - name: ${h.address}`,
      '            labels: [metal]',
      `            connection-port: ${h.port}`,
      '            timeout: 1',
      `            host-key: "${opts.wrongKeyFor === h.address ? hosts.find((o) => o !== h)!.hostKey : h.hostKey}"`,
      `            max-parallel-jobs: ${MAX_JOBS[h.address]}`,
    ].join('\n')),
  ].join('\n');
}

describe('static pool served to Zuul (real sshd, real ZooKeeper)', () => {
  let env: LauncherEnv;
  let launcher: Launcher;
  let sshds: TestSshd[];

  /** Swaps the config the launcher reads and tells it, as a reload does. */
  async function reconfigure(staticPart: string): Promise<void> {
    const yaml = env.fullYaml.replace(/\n  - name: rack[\s\S]*$/, '') + '\n' + staticPart;
    const result = validateConfigText({ file: env.configPath, text: yaml, env: {} });
    expect(result.errors).toEqual([]);
    env.config = result.config!;
    await launcher.reconfigure();
  }

  const staticNodes = async (): Promise<Node[]> => (await env.zuul.listNodes()).filter((n) => n.provider === 'rack');
  const readyCount = async (host?: string) =>
    (await staticNodes()).filter((n) => n.state === 'ready' && n.allocated_to === null && (!host || n.hostname === host)).length;

  async function request(labels: string[]): Promise<NodeRequest> {
    const submitted = await env.zuul.submitRequest(newRequest({ node_types: labels, requestor: 'zuul-test' }, Date.now()), '100', false);
    return env.until(async () => {
      const r = await env.zuul.getRequest(submitted.id);
      return r && (r.state === 'fulfilled' || r.state === 'failed') ? r : null;
    }, { withinMs: 20_000, message: `request ${submitted.id} done` });
  }

  /** Zuul's side: lock the nodes, check the allocation, in-use; returns a function that ends the job. */
  async function useNodes(req: NodeRequest) {
    const held: { lock: { release(): Promise<void> }; node: Node }[] = [];
    for (const id of req.nodes) {
      const lock = (await env.zuul.lockNode(id, { blocking: true, timeoutMs: 10_000 }))!;
      const node = (await env.zuul.getNode(id))!;
      expect(node.allocated_to).toBe(req.id);
      expect(node.state).toBe('ready');
      node.state = 'in-use';
      await env.zuul.storeNode(node);
      held.push({ lock, node });
    }
    await env.zuul.deleteRequest(req.id);
    return async () => {
      for (const h of held) {
        h.node.state = 'used';
        await env.zuul.storeNode(h.node);
        await h.lock.release();
      }
    };
  }

  beforeAll(async () => {
    sshds = await Promise.all(Object.keys(MAX_JOBS).map((address) => TestSshd.start({ address })));
    // The cloud pool offers `small`; `metal` is a top-level label only the static hosts offer.
    const yaml = simpleYaml({ labels: ['small'] }).replace('labels:\n', 'labels:\n  - name: metal\n') + '\n' + staticYaml(sshds);
    env = await startEnv({ clock: 'system', name: 'static-pool', yaml });
    launcher = await env.newLauncher({ staticHosts: { livenessIntervalMs: 200, syncIntervalMs: 200 } });
    await env.until(async () => (await readyCount()) === 4, { withinMs: 20_000, message: 'four READY static nodes' });
  });
  afterAll(async () => {
    await env?.close();
    await Promise.all((sshds ?? []).map((s) => s.close()));
  });

  it('registers every host max-parallel-jobs times with upstream fields, shown by nodepool list', async () => {
    const nodes = await staticNodes();
    for (const [host, max] of Object.entries(MAX_JOBS)) expect(nodes.filter((n) => n.hostname === host)).toHaveLength(max);
    expect(nodes[0]).toMatchObject({ provider: 'rack', pool: 'main', type: ['metal'], launcher: 'static driver', connection_type: 'ssh', attributes: { rack: 'r12' } });
    const pools = await env.zuul.listComponents('pool');
    expect(pools.find((p) => p.provider_name === 'rack')).toMatchObject({ name: 'main', supported_labels: ['metal'], paused: false });

    const list = await runEntry('cli/main.ts', ['-c', env.configPath, 'list']);
    expect(list.code).toBe(0);
    const rows = list.stdout.split('\n').filter((l) => l.includes('rack'));
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row).toMatch(/\|\s*rack\s*\|.*metal.*\|.*127\.14\.3\.\d.*\|\s*ready\s*\|/);
  });

  it('serves a stream of requests; used nodes come back READY for the same host; no host over its limit', async () => {
    const active = new Map<string, number>();
    const handedOut: string[] = [];
    const job = async () => {
      const req = await request(['metal']);
      expect(req.state).toBe('fulfilled');
      const end = await useNodes(req);
      const host = (await env.zuul.getNode(req.nodes[0]))!.hostname!;
      handedOut.push(host);
      active.set(host, (active.get(host) ?? 0) + 1);
      expect(active.get(host)).toBeLessThanOrEqual(MAX_JOBS[host]);
      await new Promise((r) => setImmediate(r));
      active.set(host, active.get(host)! - 1);
      await end();
    };
    // Six Zuul executors, four jobs each, against four slots.
    await Promise.all(Array.from({ length: 6 }, async () => { for (let i = 0; i < 4; i++) await job(); }));
    expect(handedOut).toHaveLength(24);
    expect(new Set(handedOut)).toEqual(new Set(Object.keys(MAX_JOBS)));
    await env.until(async () => (await readyCount()) === 4 && (await staticNodes()).length === 4, { withinMs: 20_000, message: 'all slots READY again' });
    for (const [host, max] of Object.entries(MAX_JOBS)) expect(await readyCount(host)).toBe(max);
  });

  it('declines what no host offers or what is more than the pool could ever hold', async () => {
    const none = await request(['gpu']);
    expect(none.state).toBe('failed');
    expect(none.declined_by).toHaveLength(2);
    const tooMany = await request(['metal', 'metal', 'metal', 'metal', 'metal']);
    expect(tooMany.state).toBe('failed');
    const why = await env.zuul.listExplanations(tooMany.id);
    expect(why.find((e) => e.provider === 'rack')?.reason).toBe('declined: quota (it would exceed quota)');
  });

  it('de-registers a host whose sshd stops and registers it again when it is back', async () => {
    const c = sshds[2];
    await c.stop();
    await env.until(async () => (await staticNodes()).every((n) => n.hostname !== c.address), { withinMs: 20_000, message: 'host de-registered' });
    // Every slot of the others busy: a request waits, and says why.
    const ends = [];
    for (let i = 0; i < 3; i++) ends.push(await useNodes(await request(['metal'])));
    const waiting = await env.zuul.submitRequest(newRequest({ node_types: ['metal'], requestor: 'zuul-test' }, Date.now()), '100', false);
    const reason = await env.until(async () => (await env.zuul.listExplanations(waiting.id)).find((e) => e.provider === 'rack')?.reason,
      { withinMs: 10_000, message: 'explanation' });
    expect(reason).toMatch(/no free static node for label metal .*127\.14\.3\.3:\d+: SSH host key scan failed/);
    await c.resume();
    const served = await env.until(async () => { const r = await env.zuul.getRequest(waiting.id); return r?.state === 'fulfilled' ? r : null; },
      { withinMs: 20_000, message: 'request served by the host that came back' });
    expect((await env.zuul.getNode(served.nodes[0]))!.hostname).toBe(c.address);
    ends.push(await useNodes(served));
    for (const end of ends) await end();
    await env.until(async () => (await readyCount()) === 4, { withinMs: 20_000, message: 'all slots READY again' });
  });

  it('keeps out a host whose key does not match its configured host-key', async () => {
    const c = sshds[2];
    await reconfigure(staticYaml(sshds, { wrongKeyFor: c.address }));
    await env.until(async () => (await staticNodes()).every((n) => n.hostname !== c.address), { withinMs: 20_000, message: 'mismatching host out' });
    await reconfigure(staticYaml(sshds));
    await env.until(async () => (await readyCount(c.address)) === 1, { withinMs: 20_000, message: 'host back with the right key' });
  });

  it('nodepool delete --now removes a static node record without any cloud call; the host comes back', async () => {
    const victim = (await staticNodes()).find((n) => n.state === 'ready' && n.allocated_to === null)!;
    const r = await runEntry('cli/main.ts', ['-c', env.configPath, 'delete', victim.id, '--now']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await env.zuul.getNode(victim.id)).toBeNull();
    await env.until(async () => (await readyCount(victim.hostname!)) === MAX_JOBS[victim.hostname!], { withinMs: 20_000, message: 'host registered again' });
  });

  it('removing a host while a job holds it: the job finishes, then the host is de-registered; adding it back registers it', async () => {
    const req = await request(['metal']);
    const end = await useNodes(req);
    const held = (await env.zuul.getNode(req.nodes[0]))!;
    const host = held.hostname!;
    await reconfigure(staticYaml(sshds.filter((s) => s.address !== host)));
    await env.until(async () => (await staticNodes()).filter((n) => n.hostname === host).map((n) => n.id).join() === held.id,
      { withinMs: 20_000, message: 'only the held node left for the removed host' });
    expect((await env.zuul.getNode(held.id))!.state).toBe('in-use');
    await end();
    await env.until(async () => (await staticNodes()).every((n) => n.hostname !== host), { withinMs: 20_000, message: 'removed host de-registered' });
    await reconfigure(staticYaml(sshds));
    await env.until(async () => (await readyCount(host)) === MAX_JOBS[host], { withinMs: 20_000, message: 'host registered again' });
  });
});
