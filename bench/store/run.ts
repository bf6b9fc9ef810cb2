// Store throughput on a private real ZooKeeper: `npx tsx bench/store/run.ts [nodes]`.
// Figures: listing N nodes (what `nodepool list` needs, incl. lock state), the node cache's
// initial load and change latency, and launch-like write cycles per second.
import { performance } from 'node:perf_hooks';
import { startZkServer } from '../../test/harness/zk-server.ts';
import { createZkClient } from '../../src/zk/client.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { newNode } from '../../src/model/factories.ts';
import type { Node } from '../../src/model/types.ts';

const NODES = Number(process.argv[2] ?? 10_000);
const LAUNCHES = 1_000;
const LAUNCH_CONCURRENCY = 50;

const ms = (start: number) => (performance.now() - start).toFixed(0);

function realisticNode(i: number): Omit<Node, 'id' | 'version'> {
  return newNode({
    state: 'ready', cloud: 'mycloud', provider: 'mycloud-region1', pool: 'main', type: ['ubuntu-jammy'],
    az: 'nova', region: 'RegionOne', public_ipv4: `203.0.113.${i % 250}`, private_ipv4: `10.0.${i % 250}.5`,
    host_id: 'b1c2d3', interface_ip: `203.0.113.${i % 250}`, connection_type: 'ssh',
    image_id: '/nodepool/images/ubuntu-jammy/builds/5f1c0e9a8b7d4c3e9f2a1b0c9d8e7f6a/providers/mycloud-region1/images/0000000003',
    launcher: 'nl01.example.com-PoolWorker.mycloud-region1-main-0c3f9d4e', external_id: `6f3f6c7e-2c1f-4c55-9d1f-${String(i).padStart(12, '0')}`,
    host_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEKEYEXAMPLEKEYEXAMPLEKEYEXAMPLEKEY'],
    resources: { cores: 8, instances: 1, ram: 8192 }, attributes: { 'executor-zone': 'east' }, python_path: 'auto',
    tenant_name: 'openstack', requestor: '5a9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c',
  }, Date.now());
}

async function main(): Promise<void> {
  const server = await startZkServer();
  const servers = [{ host: server.host, port: server.plainPort }];
  try {
    const writer = createZkClient({ servers, chroot: '/bench', sessionTimeoutMs: 30_000 });
    const admin = createZkClient({ servers });
    await admin.connect();
    await admin.mkdirp('/bench');
    await writer.connect();
    const store = new ZkStore(writer);
    await store.init();

    let start = performance.now();
    for (let i = 0; i < NODES; i += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, NODES - i) }, (_, j) => store.createNode(realisticNode(i + j))));
    }
    console.log(`created ${NODES} nodes in ${ms(start)} ms`);
    // Some nodes locked, as in a busy system.
    const ids = await store.listNodeIds();
    const held = await Promise.all(ids.slice(0, 200).map((id) => store.lockNode(id)));

    // A CLI process: fresh connection, list every node with its lock state.
    for (let run = 1; run <= 5; run++) {
      const cliClient = createZkClient({ servers, chroot: '/bench' });
      const cpu = process.cpuUsage();
      start = performance.now();
      await cliClient.connect();
      const cli = new ZkStore(cliClient);
      const rows = await cli.listNodesWithLockState();
      const lockedCount = rows.filter((r) => r.locked).length;
      const used = process.cpuUsage(cpu);
      console.log(`cli run ${run}: connect + listNodesWithLockState(${rows.length}, ${lockedCount} locked) in ${ms(start)} ms`
        + ` (this process's CPU: ${((used.user + used.system) / 1000).toFixed(0)} ms; the rest is ZooKeeper and the machine)`);
      await cliClient.close();
    }

    start = performance.now();
    const cache = store.nodeCache();
    await cache.ready;
    console.log(`node cache initial load of ${cache.values().length} nodes (plus lock dirs) in ${ms(start)} ms`);

    // Change latency: store -> cache event.
    const latencies: number[] = [];
    for (let i = 0; i < 50; i++) {
      const node = (await store.getNode(ids[1000 + i]))!;
      node.comment = `touch ${i}`;
      const seen = new Promise<void>((resolve) => {
        const listener = (id: string, record: Node | undefined) => {
          if (id === node.id && record?.comment === `touch ${i}`) {
            cache.off('changed', listener);
            resolve();
          }
        };
        cache.on('changed', listener);
      });
      const t = performance.now();
      await store.storeNode(node);
      await seen;
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    console.log(`cache change latency: median ${latencies[25].toFixed(1)} ms, max ${latencies[49].toFixed(1)} ms`);

    // Launch-like cycle: create (building), lock, two state writes, unlock.
    start = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < LAUNCHES) {
        next++;
        const node = await store.createNode(newNode({ state: 'building', provider: 'p', type: ['small'] }, Date.now()));
        const lock = await store.lockNode(node.id);
        node.state = 'ready';
        node.external_id = 'server';
        await store.storeNode(node);
        node.state_time = Date.now() / 1000;
        await store.storeNode(node);
        await lock!.release();
      }
    };
    await Promise.all(Array.from({ length: LAUNCH_CONCURRENCY }, worker));
    const seconds = (performance.now() - start) / 1000;
    console.log(`launch cycles (create+lock+2 writes+unlock), ${LAUNCH_CONCURRENCY} concurrent: ${(LAUNCHES / seconds).toFixed(0)}/s`);
    await waitForCache(cache, NODES + LAUNCHES);
    console.log(`node cache holds ${cache.values().length} nodes after the launches`);

    await cache.close();
    await Promise.all(held.map((l) => l?.release()));
    await writer.close();
    await admin.close();
  } finally {
    await server.stop();
  }
}

async function waitForCache(cache: { values(): unknown[] }, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (cache.values().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
