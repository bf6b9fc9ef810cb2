// Benchmark: OpenStackProvider.listServers() over 10,000 servers (10 Nova pages of 1000) from the
// simulator running in its own process. Target: under 2 s.
//   npx tsx bench/upload/list-servers.ts [--servers 10000]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { OpenStackProvider } from '../../src/cloud/openstack/provider.ts';
import { systemClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { makeProviderConfig } from '../../test/cloud/contract/fixtures.ts';
import { cpuSeconds, startSimProcess } from './sim-process.ts';

const arg = process.argv.indexOf('--servers');
const COUNT = arg > 0 ? Number(process.argv[arg + 1]) : 10_000;
const dir = mkdtempSync(join(tmpdir(), 'np-bench-list-'));
const sim = await startSimProcess(dir, { maxPageSize: 1000, quotas: { instances: -1, cores: -1, ram: -1 } });
try {
  // Fill the simulator through its admin API, 20 requests in flight.
  const agent = new Agent({ connections: 20 });
  let next = 0;
  await Promise.all(Array.from({ length: 20 }, async () => {
    while (next < COUNT) {
      const i = next++;
      const res = await request(`${sim.url}/_admin/servers`, {
        dispatcher: agent, method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `np${String(i).padStart(10, '0')}`, metadata: { nodepool_node_id: String(i).padStart(10, '0') } }),
      });
      await res.body.dump();
      if (res.statusCode !== 201) throw new Error(`inject failed: ${res.statusCode}`);
    }
  }));
  await agent.close();

  const provider = new OpenStackProvider(makeProviderConfig('sim'), sim.cloud, { clock: systemClock, logger: silentLogger(), serverListTtlMs: 0 });
  await provider.start();
  await provider.listFlavors();
  const times: number[] = [];
  for (let run = 0; run < 5; run++) {
    const simCpu = cpuSeconds(sim.pid);
    const clientCpu = process.cpuUsage();
    const started = performance.now();
    const servers = await provider.listServers();
    const ms = performance.now() - started;
    const c = process.cpuUsage(clientCpu);
    if (servers.length !== COUNT) throw new Error(`listed ${servers.length} servers, expected ${COUNT}`);
    times.push(ms);
    console.log(`run ${run + 1}: ${servers.length} servers in ${ms.toFixed(0)} ms (client CPU ${((c.user + c.system) / 1000).toFixed(0)} ms, simulator CPU ${((cpuSeconds(sim.pid) - simCpu) * 1000).toFixed(0)} ms)`);
  }
  await provider.stop();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`median ${median.toFixed(0)} ms, best ${times[0].toFixed(0)} ms (target < 2000 ms); load average ${loadavg()[0].toFixed(1)} on 2 cores`);
  console.log(median < 2000 ? 'PASS' : 'FAIL');
  process.exitCode = median < 2000 ? 0 : 1;
} finally {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
}
