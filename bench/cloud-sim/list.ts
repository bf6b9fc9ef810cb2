// Time to create N servers through the API and to list them all with /servers/detail pagination.
// Usage: npx tsx bench/cloud-sim/list.ts [servers=10000] [page=1000]
import { startSimulator } from '../../src/cloud/sim/server.ts';

const count = Number(process.argv[2] ?? '10000');
const pageSize = Number(process.argv[3] ?? '1000');
const sim = await startSimulator({ config: { ssh: { enabled: false }, buildDelayMs: 0, quotas: { instances: -1, cores: -1, ram: -1 } } });
try {
  const auth = await fetch(`${sim.url}/identity/v3/auth/tokens`, {
    method: 'POST',
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'demo', domain: { name: 'Default' }, password: 'sim-demo-pw' } } },
        scope: { project: { name: 'demo', domain: { name: 'Default' } } },
      },
    }),
  });
  const headers = { 'x-auth-token': auth.headers.get('x-subject-token')!, 'content-type': 'application/json' };
  const net = ((await (await fetch(`${sim.url}/network/v2.0/networks?name=private`, { headers })).json()) as { networks: { id: string }[] }).networks[0].id;
  const imageId = ((await (await fetch(`${sim.url}/image/v2/images`, { method: 'POST', headers, body: JSON.stringify({ name: 'b', disk_format: 'raw', container_format: 'bare' }) })).json()) as { id: string }).id;
  await fetch(`${sim.url}/image/v2/images/${imageId}/file`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: 'x' });
  let started = performance.now();
  let cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const r = await fetch(`${sim.url}/compute/v2.1/servers`, {
      method: 'POST', headers, body: JSON.stringify({ server: { name: `np${i}`, imageRef: imageId, flavorRef: '1', networks: [{ uuid: net }], metadata: { nodepool_node_id: String(i) } } }),
    });
    if (r.status !== 202) throw new Error(`create ${i}: ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  }
  const createSeconds = (performance.now() - started) / 1000;
  const createCpu = process.cpuUsage(cpu);
  started = performance.now();
  cpu = process.cpuUsage();
  let url: string | undefined = `${sim.url}/compute/v2.1/servers/detail?limit=${pageSize}`;
  let seen = 0;
  let pages = 0;
  while (url) {
    const body = (await (await fetch(url, { headers })).json()) as { servers: unknown[]; servers_links?: { rel: string; href: string }[] };
    seen += body.servers.length;
    pages++;
    url = body.servers_links?.find((l) => l.rel === 'next')?.href;
  }
  const listSeconds = (performance.now() - started) / 1000;
  const listCpu = process.cpuUsage(cpu);
  const cpuSeconds = (u: NodeJS.CpuUsage) => ((u.user + u.system) / 1e6).toFixed(1);
  // Client and simulator share this process: the CPU figures cover both and do not depend on machine load.
  console.log(`create ${count} servers over HTTP: ${createSeconds.toFixed(1)} s wall (${(count / createSeconds).toFixed(0)}/s), ${cpuSeconds(createCpu)} CPU-s`);
  console.log(`list ${seen} servers in ${pages} pages of ${pageSize}: ${(listSeconds * 1000).toFixed(0)} ms wall, ${cpuSeconds(listCpu)} CPU-s; load average ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
} finally {
  await sim.close();
}
