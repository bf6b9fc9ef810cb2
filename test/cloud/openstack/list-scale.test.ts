// 10,000 servers through Nova pagination (the simulator caps pages at 1000, as osapi_max_limit does).
// Correctness is asserted here; the time is printed, and measured properly in bench/upload/list-servers.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type SimHarness } from './sim-harness.ts';

const COUNT = 10_000;

describe('listing 10,000 servers', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startHarness({ maxPageSize: 1000 });
    for (let i = 0; i < COUNT; i++) {
      await h.sim.admin.injectServer({ name: `np${String(i).padStart(10, '0')}`, metadata: { nodepool_node_id: String(i).padStart(10, '0'), nodepool_provider_name: 'contract' } });
    }
  }, 300_000);
  afterAll(async () => h?.close());

  it('returns every server once, with metadata and addresses', async () => {
    const provider = await h.provider();
    const started = performance.now();
    const servers = await provider.listServers();
    const ms = performance.now() - started;
    console.log(`listServers: ${servers.length} servers in ${ms.toFixed(0)} ms (10 pages of 1000)`);
    expect(servers).toHaveLength(COUNT);
    expect(new Set(servers.map((s) => s.externalId)).size).toBe(COUNT);
    const ids = new Set(servers.map((s) => s.metadata.nodepool_node_id));
    expect(ids.size).toBe(COUNT);
    expect(ids.has('0000000000') && ids.has(String(COUNT - 1).padStart(10, '0'))).toBe(true);
    expect(servers.every((s) => s.privateIpv4 !== null && s.interfaceIp !== null && s.cores > 0)).toBe(true);
  });
});
