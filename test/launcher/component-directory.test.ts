// The pools every decline is counted against: a pool record without an id (a foreign writer's
// `{}`) is not one, or a request all real pools declined would wait for ever.
import { describe, expect, it } from 'vitest';
import { ComponentDirectory } from '../../src/launcher/component-directory.ts';
import { decodeComponent } from '../../src/model/component.ts';
import type { PoolComponent } from '../../src/model/types.ts';
import type { Store } from '../../src/store/types.ts';
import { silentLogger } from '../../src/util/logger.ts';

describe('component directory', () => {
  it('leaves out pool records that have no id', async () => {
    const real = decodeComponent('pool', JSON.stringify({ kind: 'pool', id: 'host-PoolWorker.sim-main-1', hostname: 'host', state: 'running', provider_name: 'sim', supported_labels: ['small'] })) as PoolComponent;
    const idless = decodeComponent('pool', '{}') as PoolComponent;
    const store = { listComponents: async () => [real, idless] } as unknown as Store;
    const directory = new ComponentDirectory(store, silentLogger());
    await directory.refresh();
    expect(directory.registeredPools().map((p) => p.id)).toEqual([real.id]);
  });

  it('counts a pool in a state a newer launcher added (it has not declined yet)', async () => {
    const store = await storeWith([{ kind: 'pool', id: 'new-host-PoolWorker.sim-main-1', hostname: 'new-host', state: 'draining', provider_name: 'sim' }]);
    const directory = new ComponentDirectory(store, silentLogger());
    await directory.refresh();
    expect(directory.registeredPools().map((p) => [p.id, p.state])).toEqual([['new-host-PoolWorker.sim-main-1', 'draining']]);
  });
});

/** A store whose pool listing decodes these records as the ZooKeeper store does. */
async function storeWith(records: object[]): Promise<Store> {
  const pools = records.map((r) => decodeComponent('pool', JSON.stringify(r)) as PoolComponent);
  return { listComponents: async () => pools } as unknown as Store;
}
