// Cinder's limits and volumes through the OpenStack client, against the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quotaFromLimits } from '../../../src/cloud/openstack/quota-limits.ts';
import { startHarness, type SimHarness } from './sim-harness.ts';

describe('volume limits and volumes (Cinder)', () => {
  let h: SimHarness;
  beforeAll(async () => { h = await startHarness({ quotas: { volumes: 5, gigabytes: 300 } }); });
  afterAll(async () => { await h?.close(); });

  it('quotaLimits includes the volume limits when the cloud has a volume service', async () => {
    const p = await h.provider();
    const q = await p.quotaLimits();
    expect(q.volumes).toBe(5);
    expect(q['volume-gb']).toBe(300);
    h.sim.admin.setQuotas({ gigabytes: -1 });
    expect((await p.quotaLimits())['volume-gb']).toBe(Infinity);
    h.sim.admin.setQuotas({ gigabytes: 300 });
  });

  it('lists volumes with their size and the server they are attached to', async () => {
    const p = await h.provider();
    const server = await h.sim.admin.injectServer({ name: 'bfv', volumeSizeGb: 40 });
    await h.sim.admin.injectServer({ name: 'plain' });
    const volumes = await p.listVolumes();
    expect(volumes.map((v) => ({ size: v.sizeGb, to: v.attachedTo }))).toEqual([{ size: 40, to: [server.id] }]);
  });

  it('without volume limits (no volume service) the quota has no volume keys', () => {
    expect(quotaFromLimits({ maxTotalCores: 4, maxTotalInstances: 2, maxTotalRAMSize: 100 }, null)).toEqual({ cores: 4, instances: 2, ram: 100 });
  });
});
