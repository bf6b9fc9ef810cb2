// ZooKeeper client throughput: 10,000 creates then 10,000 getData of 100-byte znodes with 100
// requests in flight, against a real server started by the test harness (plain and TLS).
// Then the same getData as multiRead requests (--multi-ops per request, 4 requests in flight).
// Run: npx tsx bench/zk/run.ts [--ops N] [--inflight N] [--transport plain|tls|both] [--multi-ops N]
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { connectZkClient, type ZooKeeperClient } from '../../src/zk/client.ts';
import { startZkServer } from '../../test/harness/zk-server.ts';

const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: '10000' },
    inflight: { type: 'string', default: '100' },
    transport: { type: 'string', default: 'both' },
    warmup: { type: "string", default: "2000" },
    'multi-ops': { type: 'string', default: '200' },
  },
});
const OPS = Number(values.ops);
const IN_FLIGHT = Number(values.inflight);
const WARMUP = Number(values.warmup);
const MULTI_OPS = Number(values['multi-ops']);
const transports = values.transport === 'both' ? ['plain', 'tls'] : [values.transport!];

interface PhaseResult {
  opsPerSecond: number;
  /** Client CPU (user + system) per operation, in microseconds: the client's own cost,
   *  which unlike wall-clock throughput does not depend on how busy the machine is. */
  cpuMicrosPerOp: number;
}

/** Runs op(i) for i < count with at most `limit` in flight. */
async function phase(count: number, limit: number, op: (i: number) => Promise<unknown>): Promise<PhaseResult> {
  let next = 0;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const lane = async (): Promise<void> => {
    while (next < count) await op(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { opsPerSecond: count / seconds, cpuMicrosPerOp: (used.user + used.system) / count };
}

const fmt = (r: PhaseResult): string =>
  `${Math.round(r.opsPerSecond).toLocaleString('en-US').padStart(7)} ops/s (client CPU ${r.cpuMicrosPerOp.toFixed(1)} µs/op)`;

const server = await startZkServer();
try {
  const payload = Buffer.alloc(100, 0x61);
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  console.log(`zk bench: ${OPS} ops per phase, ${IN_FLIGHT} in flight, 100-byte znodes, Node ${process.version}`);
  for (const transport of transports) {
    const client: ZooKeeperClient = await connectZkClient({
      servers: [{ host: server.host, port: transport === 'tls' ? server.securePort : server.plainPort }],
      tls: transport === 'tls' ? { ca: server.pki.ca, cert: server.pki.cert, key: server.pki.key } : undefined,
    });
    const base = `/bench-${transport}`;
    await client.create(base);
    // Warm-up (JIT on both sides), not counted.
    await phase(WARMUP, IN_FLIGHT, (i) => client.create(`${base}/w${i}`, payload));
    const create = await phase(OPS, IN_FLIGHT, (i) => client.create(`${base}/n${i}`, payload));
    const get = await phase(OPS, IN_FLIGHT, (i) => client.getData(`${base}/n${i}`));
    // The same reads as multiRead requests of MULTI_OPS getData each, 4 requests in flight.
    const requests = Math.ceil(OPS / MULTI_OPS);
    const multi = await phase(requests, 4, (r) => client.multiRead(
      Array.from({ length: Math.min(MULTI_OPS, OPS - r * MULTI_OPS) }, (_, j) => ({ op: 'getData' as const, path: `${base}/n${r * MULTI_OPS + j}` })),
    ));
    const perOp = { opsPerSecond: multi.opsPerSecond * (OPS / requests), cpuMicrosPerOp: multi.cpuMicrosPerOp * (requests / OPS) };
    console.log(`${transport.padEnd(5)} create: ${fmt(create)}   getData: ${fmt(get)}   multiRead getData (${MULTI_OPS}/request): ${fmt(perOp)}`);
    await client.close();
  }
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB (this process; the ZooKeeper JVM is separate)`);
} finally {
  await server.stop();
}
