// The builder side of the benchmark, in its own process so its memory is measured alone:
// one ProviderUploader pass uploads the prepared build. Prints one JSON line with the figures.
//   node uploader-child.js <bench.json>
import { readFileSync } from 'node:fs';
import { ProviderUploader } from '../../src/builder/provider-uploader.ts';
import type { CloudConfig, NodepoolConfig } from '../../src/config/model.ts';
import { OpenStackProvider } from '../../src/cloud/openstack/provider.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { systemClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { connectZkClient } from '../../src/zk/client.ts';

interface BenchInput {
  zk: { host: string; port: number; chroot: string };
  cloud: CloudConfig;
  config: NodepoolConfig;
  image: string;
  buildId: string;
}

function vm(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

async function main() {
  const input = JSON.parse(readFileSync(process.argv[2], 'utf8')) as BenchInput;
  const client = await connectZkClient({ servers: [{ host: input.zk.host, port: input.zk.port }], chroot: input.zk.chroot });
  const store = new ZkStore(client, { clock: systemClock });
  const pc = input.config.providers[0];
  const provider = new OpenStackProvider(pc, input.cloud, { clock: systemClock, logger: silentLogger(), imagePollIntervalMs: 50 });
  await provider.start();
  // Bench knob: the read chunk size of the upload stream (the provider's default otherwise).
  if (process.env.BENCH_UPLOAD_CHUNK_KIB) provider.glance.uploadChunkBytes = Number(process.env.BENCH_UPLOAD_CHUNK_KIB) * 1024;
  const view = { config: input.config, imagesDir: input.config.imagesDir!, formats: new Map([[pc.name, provider.imageFormat()]]), providers: new Map([[pc.name, provider]]) };
  const uploader = new ProviderUploader({ store, clock: systemClock, logger: silentLogger(), hostname: 'bench', builderId: 'bench', view: () => view }, pc.name);
  let outcome: unknown = null;
  uploader.onUploadFinished = (o) => (outcome = o);

  const rssBefore = vm('VmRSS');
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, vm('VmRSS'))), 20);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await uploader.pass(new AbortController().signal);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(`${JSON.stringify({ seconds, cpuSeconds, rssBefore, peakRss: Math.max(peak, vm('VmHWM')), outcome })}\n`);
  await provider.stop();
  await client.close();
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
