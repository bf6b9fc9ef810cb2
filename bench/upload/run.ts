// Benchmark: stream a 2 GiB image file to the simulator's Glance through OpenStackProvider.uploadImage.
// Targets: >= 200 MB/s, peak RSS of this (uploading) process < 150 MB.
//   npx tsx bench/upload/run.ts [--size-mib 2048] [--sparse] [--os-cloud NAME]
// The file is generated (non-zero pattern) by default; --sparse makes a sparse file (reads as zeros).
// Also measured: the same streaming path (HttpCore + file stream) into a discard endpoint, and the
// simulator's CPU time, to show which side limits the throughput.
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { HttpCore } from '../../src/cloud/openstack/http-core.ts';
import { loadClouds } from '../../src/config/clouds/load-clouds.ts';
import type { CloudConfig } from '../../src/config/model.ts';
import { systemClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { cpuSeconds, startSimProcess } from './sim-process.ts';
import { startSink } from './sink-process.ts';

const arg = (name: string) => process.argv.indexOf(name);
const SIZE_MIB = arg('--size-mib') > 0 ? Number(process.argv[arg('--size-mib') + 1]) : 2048;
const SPARSE = arg('--sparse') > 0;
// --os-cloud NAME: upload to that cloud (clouds.yaml found the openstacksdk way) instead of the simulator.
const OS_CLOUD = arg('--os-cloud') > 0 ? process.argv[arg('--os-cloud') + 1] : null;
const dir = mkdtempSync(join(tmpdir(), 'np-bench-upload-'));
const mib = (bytes: number) => (bytes / 1024 ** 2).toFixed(0);

function makeImage(path: string): void {
  const fd = openSync(path, 'w');
  try {
    if (SPARSE) {
      ftruncateSync(fd, SIZE_MIB * 1024 * 1024);
      return;
    }
    // 1 MiB of a cheap pattern, written SIZE_MIB times with a changing first word: no file-wide buffer.
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 131 + 17) & 0xff;
    for (let m = 0; m < SIZE_MIB; m++) {
      chunk.writeUInt32LE(m, 0);
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
}

const file = join(dir, 'bench.qcow2');
makeImage(file);
const bytes = statSync(file).size;
/**
 * The daemons run compiled JavaScript, so the uploader is measured that way too: the worker is
 * compiled with tsc into .tmp/ (git-ignored). Without a compiler it falls back to tsx (about 25 MiB more RSS).
 */
function uploaderCommand(): { args: string[]; mode: string } {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const outDir = join(root, '.tmp', 'bench-upload-dist');
  mkdirSync(outDir, { recursive: true });
  const config = join(outDir, 'tsconfig.json');
  writeFileSync(config, JSON.stringify({
    extends: join(root, 'tsconfig.json'),
    compilerOptions: { outDir: join(outDir, 'out'), noEmit: false, sourceMap: false, noEmitOnError: true },
    include: [join(root, 'bench/upload/upload-worker.ts')],
  }));
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', config], { encoding: 'utf8' });
  if (tsc.status === 0) return { args: [join(outDir, 'out/bench/upload/upload-worker.js')], mode: 'compiled JS' };
  console.log(`(tsc failed, uploader runs through tsx: ${tsc.stdout.split('\n')[0]})`);
  return { args: ['--import', 'tsx', fileURLToPath(new URL('./upload-worker.ts', import.meta.url))], mode: 'tsx' };
}

const uploader = uploaderCommand();
let ok = true;

function runUploader(cloud: CloudConfig) {
  const out = execFileSync(process.execPath, [...uploader.args, JSON.stringify({ cloud, file })], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as { seconds: number; rssBefore: number; peakRss: number; cpuSeconds: number; status: string };
}

function report(target: string, r: ReturnType<typeof runUploader>): number {
  const mbps = bytes / 1e6 / r.seconds;
  console.log(`${target}: ${(bytes / 1024 ** 3).toFixed(2)} GiB (${SPARSE ? 'sparse' : 'generated'}) uploaded in ${r.seconds.toFixed(2)} s = ${mbps.toFixed(0)} MB/s (target >= 200); image ${r.status}`);
  console.log(`  uploading process CPU ${r.cpuSeconds.toFixed(1)} s (${((r.cpuSeconds / r.seconds) * 100).toFixed(0)}% of one core)`);
  console.log(`  uploading process (${uploader.mode}) RSS: ${mib(r.rssBefore)} MiB before the upload, peak ${mib(r.peakRss)} MiB (target < 150 MiB)`);
  return mbps;
}

if (OS_CLOUD) {
  // A real cloud from clouds.yaml (openstacksdk search path), e.g. the loopback lab's Glance.
  const cloud = loadClouds({ env: process.env, home: homedir(), cwd: process.cwd() }).clouds[OS_CLOUD];
  if (!cloud) throw new Error(`cloud ${OS_CLOUD} not found in clouds.yaml`);
  const mbps = report(`cloud ${OS_CLOUD}`, runUploader(cloud));
  ok = mbps >= 200;
} else {
  const sim = await startSimProcess(dir);
  try {
    // The upload runs in its own process so its RSS is the uploader's, not this harness's.
    const simCpuBefore = cpuSeconds(sim.pid);
    const r = runUploader(sim.cloud);
    const simCpu = cpuSeconds(sim.pid) - simCpuBefore;
    const mbps = report('simulator', r);
    console.log(`  simulator process CPU ${simCpu.toFixed(1)} s over ${r.seconds.toFixed(1)} s wall (${((simCpu / r.seconds) * 100).toFixed(0)}% of one core; it md5+sha256+sha512-hashes and writes every byte to disk)`);
    ok = mbps >= 200 && r.peakRss < 150 * 1024 ** 2;
  } finally {
    await sim.stop();
  }
}

// The client's streaming path alone: the same HttpCore PUT with a file stream body, into a discard endpoint.
const sink = await startSink();
try {
  const agent = new Agent();
  const http = new HttpCore({ dispatcher: agent, clock: systemClock, logger: silentLogger() });
  const started = performance.now();
  await http.send({
    service: 'image', method: 'PUT', url: `${sink.url}/v2/images/x/file`, retry: false, timeoutMs: 3_600_000,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes) },
    body: () => createReadStream(file, { highWaterMark: 256 * 1024 }),
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(`discard endpoint (separate process): same streaming path (HttpCore + file stream) ${(bytes / 1e6 / seconds).toFixed(0)} MB/s`);
  await agent.close();
} finally {
  await sink.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`load average ${loadavg()[0].toFixed(1)} on 2 cores`);
console.log(ok ? 'PASS' : 'FAIL (see figures above)');
process.exitCode = ok ? 0 : 1;
