// Static registration against real sshd processes on loopback and a real ZooKeeper: hosts are
// registered with their scanned keys, a stopped sshd is de-registered and comes back, a wrong
// host-key keeps a host out, a used node is re-registered, a removed host is de-registered once
// its job is over, and two launchers syncing at once never register a host twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkStore } from '../../../src/store/zk-store.ts';
import { systemClock } from '../../../src/util/clock.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import type { StaticProviderConfig, StaticNodeConfig } from '../../../src/config/static-model.ts';
import { StaticHostSync } from '../../../src/launcher/static/static-host-sync.ts';
import { hostKeyScanner } from '../../../src/launcher/nodescan-ssh/scan-host-keys.ts';
import { checkPortOpen } from '../../../src/launcher/static/port-check.ts';
import type { Node } from '../../../src/model/types.ts';
import { testZk, type TestZk } from '../../harness/zk.ts';
import { TestSshd } from '../../helpers/sshd.ts';

const hostCheck = {
  scanHostKeys: hostKeyScanner(systemClock),
  probePort: checkPortOpen,
};

function staticHost(sshd: TestSshd, extra: Partial<StaticNodeConfig> = {}): StaticNodeConfig {
  return {
    name: sshd.address, labels: ['metal'], username: 'zuul', timeout: 1, hostKeyChecking: true, hostKeys: [sshd.hostKey],
    connectionType: 'ssh', connectionPort: sshd.port, shellType: null, pythonPath: 'auto', maxParallelJobs: 1, ...extra,
  };
}

const provider = (nodes: StaticNodeConfig[]): StaticProviderConfig => ({
  name: 'rack', driver: 'static', maxConcurrency: -1, priority: 100,
  pools: [{ name: 'main', priority: 100, nodeAttributes: { rack: 'r1' }, nodes, labels: ['metal'] }],
});

describe('static host sync (real sshd, real ZooKeeper)', () => {
  let zk: TestZk;
  let store: ZkStore;
  let sshds: TestSshd[];
  const signal = new AbortController().signal;
  const nodesOf = async (): Promise<Node[]> => (await store.listNodes()).filter((n) => n.provider === 'rack');

  beforeAll(async () => {
    zk = testZk({ name: 'static-sync' });
    store = new ZkStore(await zk.connect(), { logger: silentLogger(), clock: systemClock });
    await store.init();
    sshds = await Promise.all(['127.14.1.1', '127.14.1.2'].map((address) => TestSshd.start({ address })));
  });
  afterAll(async () => {
    await Promise.all((sshds ?? []).map((s) => s.close()));
    await zk?.closeAll();
  });

  it('registers, re-registers used nodes, follows liveness and config removal', async () => {
    const [a, b] = sshds;
    const sync = new StaticHostSync({ store, clock: systemClock, logger: silentLogger(), hostCheck });
    const cfg = provider([staticHost(a, { maxParallelJobs: 2 }), staticHost(b)]);
    await sync.pass(cfg, false, signal);
    let nodes = await nodesOf();
    expect(nodes.map((n) => [n.hostname, n.slot, n.state]).sort()).toEqual([
      [a.address, 0, 'ready'], [a.address, 1, 'ready'], [b.address, 0, 'ready'],
    ]);
    // Upstream's fields for a static node.
    const first = nodes.find((n) => n.hostname === b.address)!;
    expect(first).toMatchObject({
      provider: 'rack', pool: 'main', type: ['metal'], launcher: 'static driver', external_id: b.address,
      interface_ip: b.address, public_ipv4: b.address, username: 'zuul', connection_port: b.port,
      connection_type: 'ssh', python_path: 'auto', shell_type: null, attributes: { rack: 'r1' }, allocated_to: null,
    });
    expect(first.host_keys).toContain(b.hostKey);

    // A second pass changes nothing (restart re-sync without duplicates).
    expect((await sync.pass(cfg, false, signal)).actions).toEqual([]);

    // A used node leaves ZooKeeper and its host comes back as a new READY node in the same slot.
    first.state = 'used';
    first.allocated_to = '100-0000000001';
    await store.storeNode(first);
    await sync.pass(cfg, false, signal);
    nodes = await nodesOf();
    const again = nodes.filter((n) => n.hostname === b.address);
    expect(again.map((n) => [n.state, n.slot, n.allocated_to])).toEqual([['ready', 0, null]]);
    expect(again[0].id).not.toBe(first.id);

    // sshd stopped: the liveness round de-registers the host and keeps it out, with the reason.
    await b.stop();
    await sync.pass(cfg, true, signal);
    expect((await nodesOf()).filter((n) => n.hostname === b.address)).toEqual([]);
    expect([...sync.unavailable.values()].join()).toMatch(/SSH host key scan failed/);
    await sync.pass(cfg, false, signal);
    expect((await nodesOf()).filter((n) => n.hostname === b.address)).toEqual([]);
    // sshd back: registered again.
    await b.resume();
    await sync.pass(cfg, false, signal);
    expect((await nodesOf()).filter((n) => n.hostname === b.address).map((n) => n.state)).toEqual(['ready']);
    expect(sync.unavailable.size).toBe(0);

    // A host removed from the config while a job holds it: left alone until used, then removed.
    const held = (await nodesOf()).find((n) => n.hostname === a.address && n.slot === 0)!;
    held.state = 'in-use';
    held.allocated_to = '100-0000000002';
    await store.storeNode(held);
    const withoutA = provider([staticHost(b)]);
    await sync.pass(withoutA, false, signal);
    expect((await nodesOf()).filter((n) => n.hostname === a.address).map((n) => n.id)).toEqual([held.id]);
    held.state = 'used';
    await store.storeNode(held);
    await sync.pass(withoutA, false, signal);
    expect((await nodesOf()).filter((n) => n.hostname === a.address)).toEqual([]);
    // Added back: registered again.
    await sync.pass(cfg, false, signal);
    expect((await nodesOf()).filter((n) => n.hostname === a.address)).toHaveLength(2);
  });

  it('keeps out a host whose key does not match the configured host-key', async () => {
    const [a, b] = sshds;
    const sync = new StaticHostSync({ store, clock: systemClock, logger: silentLogger(), hostCheck });
    // a's address, b's key.
    const wrong = { ...provider([staticHost(a, { hostKeys: [b.hostKey] })]), name: 'wrong-key' };
    await sync.pass(wrong, false, signal);
    expect((await store.listNodes()).filter((n) => n.provider === 'wrong-key')).toEqual([]);
    expect([...sync.unavailable.values()]).toEqual([expect.stringMatching(/host key mismatch/)]);
  });

  it('a used node still locked by Zuul is left for a moment and reported as blocked', async () => {
    const [a] = sshds;
    const sync = new StaticHostSync({ store, clock: systemClock, logger: silentLogger(), hostCheck });
    const cfg = { ...provider([staticHost(a)]), name: 'blocked' };
    await sync.pass(cfg, false, signal);
    const [node] = (await store.listNodes()).filter((n) => n.provider === 'blocked');
    const zuul = new ZkStore(await zk.connect(), { logger: silentLogger(), clock: systemClock });
    const lock = (await zuul.lockNode(node.id, { blocking: true, timeoutMs: 5000 }))!;
    const used = (await zuul.getNode(node.id))!;
    used.state = 'used';
    await zuul.storeNode(used);
    const first = await sync.pass(cfg, false, signal);
    expect(first).toMatchObject({ synced: true, blocked: true });
    expect(await store.getNode(node.id)).not.toBeNull();
    await lock.release();
    const second = await sync.pass(cfg, false, signal);
    expect(second.blocked).toBe(false);
    expect(await store.getNode(node.id)).toBeNull();
    expect((await store.listNodes()).filter((n) => n.provider === 'blocked').map((n) => n.state)).toEqual(['ready']);
  });

  it('two launchers syncing at once register each host once', async () => {
    const [a] = sshds;
    const cfg = { ...provider([staticHost(a, { maxParallelJobs: 3 })]), name: 'shared' };
    const other = new ZkStore(await zk.connect(), { logger: silentLogger(), clock: systemClock });
    const syncs = [store, other].map((s) => new StaticHostSync({ store: s, clock: systemClock, logger: silentLogger(), hostCheck }));
    for (let i = 0; i < 5; i++) {
      await Promise.all(syncs.map((s) => s.pass(cfg, false, signal)));
      // Checked after every round: a duplicate would be retired later, but must never exist.
      const nodes = (await store.listNodes()).filter((n) => n.provider === 'shared');
      expect(nodes.map((n) => n.slot).sort()).toEqual([0, 1, 2]);
    }
  });
});
