// Cleanup's "empty znodes" task (upstream's too): a node znode with no data (left by a kazoo lock
// taken on a node while it was deleted, which recreates the path) is removed with its lock dir;
// a node with data, even undecodable data, is left alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CleanupWorker } from '../../../src/launcher/cleanup/cleanup-worker.ts';
import { loadConfig } from '../../../src/config/load.ts';
import type { NodepoolConfig } from '../../../src/config/model.ts';
import { newNode } from '../../../src/model/factories.ts';
import { ZkStore } from '../../../src/store/zk-store.ts';
import type { ZooKeeperClient } from '../../../src/zk/client.ts';
import { systemClock } from '../../../src/util/clock.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import { testZk } from '../../harness/zk.ts';

describe('cleanup of empty node znodes', () => {
  const zk = testZk({ name: 'empty-znodes' });
  let client: ZooKeeperClient;
  let store: ZkStore;
  let config: NodepoolConfig;
  const dir = mkdtempSync(join(tmpdir(), 'np-empty-znodes-'));
  beforeAll(async () => {
    client = await zk.connect();
    store = new ZkStore(client, { logger: silentLogger(), clock: systemClock });
    await store.init();
    const path = join(dir, 'nodepool.yaml');
    writeFileSync(path, 'labels:\n  - name: small\n');
    ({ config } = await loadConfig(path, { env: {} }));
  });
  afterAll(async () => { await zk.closeAll(); rmSync(dir, { recursive: true, force: true }); });

  it('removes a data-less node znode and its lock dir, keeps real and undecodable nodes', async () => {
    const real = await store.createNode(newNode({ type: ['small'], state: 'ready' }, systemClock.now()));
    await client.mkdirp('/nodepool/nodes/0000099998/lock');
    await client.create('/nodepool/nodes/0000099998/lock/0123456789abcdef0123456789abcdef__lock__0000000000', '');
    await client.create('/nodepool/nodes/0000099999', 'not json');
    expect(await store.isNodeEmpty('0000099998')).toBe(true);
    expect(await store.isNodeEmpty('0000099999')).toBe(false);
    expect(await store.isNodeEmpty(real.id)).toBe(false);
    expect(await store.isNodeEmpty('0000012345')).toBe(false);

    const worker = new CleanupWorker({ store, getConfig: () => config, drivers: new Map(), clock: systemClock, logger: silentLogger(), hostname: 'test' });
    await worker.runOnce();
    expect(await client.exists('/nodepool/nodes/0000099998')).toBeNull();
    expect(await client.exists('/nodepool/nodes/0000099999')).not.toBeNull();
    expect((await store.getNode(real.id))?.state).toBe('ready');
  });
});
