// Found by the chaos test: a launcher whose ZooKeeper connection drops between creating a node
// (state init) and locking it leaves an init znode nobody removes. The cleanup pass hands such
// orphans to the delete worker once they are clearly abandoned; fresh or locked ones are left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CleanupWorker } from '../../../src/launcher/cleanup/cleanup-worker.ts';
import { initOrphaned } from '../../../src/launcher/cleanup/node-expiry-decisions.ts';
import { loadConfig } from '../../../src/config/load.ts';
import type { NodepoolConfig } from '../../../src/config/model.ts';
import { newNode } from '../../../src/model/factories.ts';
import { ZkStore } from '../../../src/store/zk-store.ts';
import { ManualClock } from '../../../src/util/clock.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testZk } from '../../harness/zk.ts';

describe('initOrphaned', () => {
  const now = 1_000_000_000;
  it('is true only for init nodes older than max(30 s, twice the session timeout)', () => {
    expect(initOrphaned({ state: 'init', state_time: now / 1000 - 29 }, 10, now)).toBe(false);
    expect(initOrphaned({ state: 'init', state_time: now / 1000 - 20 }, 10, now)).toBe(false);
    expect(initOrphaned({ state: 'init', state_time: now / 1000 - 30 }, 10, now)).toBe(true);
    expect(initOrphaned({ state: 'init', state_time: now / 1000 - 59 }, 30, now)).toBe(false);
    expect(initOrphaned({ state: 'init', state_time: now / 1000 - 60 }, 30, now)).toBe(true);
    expect(initOrphaned({ state: 'building', state_time: now / 1000 - 3600 }, 10, now)).toBe(false);
  });
});

describe('cleanup pass and orphaned init nodes', () => {
  const zk = testZk({ name: 'orphaned-init' });
  let store: ZkStore;
  let config: NodepoolConfig;
  const clock = new ManualClock(1_800_000_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'np-orphaned-init-'));
  beforeAll(async () => {
    store = new ZkStore(await zk.connect(), { logger: silentLogger(), clock });
    await store.init();
    const path = join(dir, 'nodepool.yaml');
    writeFileSync(path, 'labels:\n  - name: small\nzookeeper-timeout: 10\n');
    ({ config } = await loadConfig(path, { env: {} }));
  });
  afterAll(async () => { await zk.closeAll(); rmSync(dir, { recursive: true, force: true }); });

  it('marks an old unlocked init node deleting and leaves fresh or locked ones alone', async () => {
    const at = (ageSeconds: number) => clock.now() / 1000 - ageSeconds;
    const make = (ageSeconds: number) => store.createNode({ ...newNode({ type: ['small'], provider: 'sim', pool: 'main', allocated_to: '200-0000000001' }, clock.now()), state: 'init', state_time: at(ageSeconds) });
    const orphan = await make(31);
    const fresh = await make(5);
    const held = await make(300);
    const lock = await store.lockNode(held.id, { blocking: false });
    expect(lock).not.toBeNull();
    const worker = new CleanupWorker({ store, getConfig: () => config, drivers: new Map(), clock, logger: silentLogger(), hostname: 'test' });
    await worker.runOnce();
    expect((await store.getNode(orphan.id))?.state).toBe('deleting');
    expect((await store.getNode(fresh.id))?.state).toBe('init');
    expect((await store.getNode(held.id))?.state).toBe('init');
    await lock!.release();
  });
});
