// The CLI reaches ZooKeeper over TLS when nodepool.yaml has zookeeper-tls (as Zuul deployments require).
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testZk } from '../harness/zk.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { main } from '../../src/cli/main.ts';
import { makeNode } from '../web/status-fixtures.ts';

const zk = testZk({ name: 'cli-tls', transport: 'tls' });
afterAll(() => zk.closeAll());

describe('nodepool list over TLS', () => {
  it('reads nodes through a mutual-TLS session', async () => {
    const store = new ZkStore(await zk.connect());
    await store.init();
    const { id: _i, ...n } = makeNode({ id: 'x', provider: 'cloud-a', type: ['small'], external_id: 'srv-tls', state: 'ready', state_time: Date.now() / 1000 });
    await store.createNode(n);
    const dir = mkdtempSync(join(tmpdir(), 'np-cli-tls-'));
    const cfg = join(dir, 'nodepool.yaml');
    const s = zk.servers[0];
    writeFileSync(cfg, `zookeeper-servers:\n  - host: ${s.host}\n    port: ${s.port}\n    chroot: ${zk.chroot}\nzookeeper-tls:\n  ca: ${zk.tls.ca}\n  cert: ${zk.tls.cert}\n  key: ${zk.tls.key}\nlabels: []\nproviders: []\n`);
    let out = '';
    let err = '';
    const code = await main(['-c', cfg, 'list', '--json'], {
      io: { out: (t) => void (out += t), err: (t) => void (err += t), prompt: async () => '' },
      env: {},
    });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out).map((r: { server_id: string }) => r.server_id)).toEqual(['srv-tls']);
  });
});
