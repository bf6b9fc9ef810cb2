// Benchmark: the builder's uploader streams a 2 GiB image to the OpenStack simulator.
// Targets: >= 200 MB/s and builder RSS < 150 MB. Three processes, so each is measured alone:
// this orchestrator (real ZooKeeper from the test harness, the image file), the simulator
// (nodepool-cloud-sim, which hashes and stores what it receives), and the builder side
// (uploader-child.ts, compiled to plain JavaScript first so the figure is the daemon's, not tsx's).
//   npx tsx bench/builder-upload/run.ts [--size-mib 2048] [--runs 1]
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, readFileSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadClouds } from '../../src/config/clouds/load-clouds.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { systemClock } from '../../src/util/clock.ts';
import { connectZkClient } from '../../src/zk/client.ts';
import { startZkServer } from '../../test/harness/zk-server.ts';
import { diskimage, nodepoolConfig, provider, providerDiskimage } from '../../test/builder/config-fixtures.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SIZE_MIB = arg('--size-mib', 2048);
const RUNS = arg('--runs', 1);
const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'np-bench-upload-'));
const imagesDir = join(dir, 'images');
mkdirSync(imagesDir);
const log = (msg: string) => process.stdout.write(`${msg}\n`);

/** tsc emits the child and everything it imports as plain ESM JavaScript. */
function compileChild(): string {
  const out = join(dir, 'js');
  const tsconfig = join(dir, 'tsconfig.json');
  writeFileSync(tsconfig, JSON.stringify({
    extends: join(root, 'tsconfig.json'),
    compilerOptions: { outDir: out, rootDir: root, noEmitOnError: false, sourceMap: false, declaration: false },
    files: [join(root, 'bench/builder-upload/uploader-child.ts')],
    include: [],
  }));
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { stdio: 'pipe' });
  } catch {
    // Type errors elsewhere in the tree do not stop the emit; a missing file below would.
  }
  const child = join(out, 'bench/builder-upload/uploader-child.js');
  if (!existsSync(child)) throw new Error('compiling the uploader child failed');
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  // Bare imports (undici, pino, ...) resolve from the project's node_modules.
  execFileSync('ln', ['-sfn', join(root, 'node_modules'), join(out, 'node_modules')]);
  return child;
}

/** utime+stime of a process in seconds (Linux /proc; clock ticks are 100 Hz here). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function startSimProcess(): Promise<{ pid: number; cloudsFile: string; stop: () => Promise<void> }> {
  const stateDir = join(dir, 'sim');
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cloud/sim/main.ts'), '--state-dir', stateDir, '--cloud-name', 'bench'], {
    cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (/listening on/.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`simulator exited ${code}`)));
  });
  return {
    pid: child.pid!,
    cloudsFile: join(stateDir, 'clouds.yaml'),
    stop: () => new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

function md5File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('md5');
    createReadStream(path, { highWaterMark: 1 << 20 }).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}

function runChild(js: string, input: string): Promise<{ seconds: number; cpuSeconds: number; rssBefore: number; peakRss: number; outcome: { state: string; externalId: string | null; error?: string } | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [js, input], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`uploader exited ${code}`))));
  });
}

async function main() {
  log('compiling the uploader to JavaScript ...');
  const childJs = compileChild();
  const zk = await startZkServer();
  const sim = await startSimProcess();
  try {
    const admin = await connectZkClient({ servers: [{ host: zk.host, port: zk.plainPort }] });
    await admin.mkdirp('/bench-upload');
    const client = await connectZkClient({ servers: [{ host: zk.host, port: zk.plainPort }], chroot: '/bench-upload' });
    const store = new ZkStore(client, { clock: systemClock });
    await store.init();
    const build = await store.createBuild({
      image: 'big', state: 'ready', state_time: Date.now() / 1000, builder: 'bench', builder_id: 'bench',
      formats: ['qcow2'], username: 'zuul', python_path: 'auto', shell_type: null,
    });
    const file = join(imagesDir, `big-${build.id}.qcow2`);
    log(`writing a ${SIZE_MIB} MiB image ...`);
    const chunk = Buffer.alloc(8 << 20);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 131 + 17) & 0xff;
    const md5 = createHash('md5');
    const fd = openSync(file, 'w');
    for (let written = 0; written < SIZE_MIB * 2 ** 20; written += chunk.length) {
      chunk.writeUInt32LE(written >>> 0, 0); // no two chunks alike
      writeSync(fd, chunk);
      md5.update(chunk);
    }
    closeSync(fd);
    const md5hex = md5.digest('hex');
    writeFileSync(`${file}.md5`, `${md5hex}  ${file}\n`);

    const pc = provider({ name: 'bench', diskimages: [providerDiskimage('big')], imageUploadTimeout: 3600 });
    const cloud = loadClouds({ env: { OS_CLIENT_CONFIG_FILE: sim.cloudsFile }, home: dir, cwd: dir, systemDir: dir }).clouds.bench;
    const config = nodepoolConfig({ imagesDir, buildLogDir: join(dir, 'logs'), providers: [pc], diskimages: [diskimage({ name: 'big' })] });
    const input = join(dir, 'bench.json');
    writeFileSync(input, JSON.stringify({ zk: { host: zk.host, port: zk.plainPort, chroot: '/bench-upload' }, cloud, config, image: 'big', buildId: build.id }));

    const bytes = SIZE_MIB * 2 ** 20;
    for (let run = 1; run <= RUNS; run++) {
      if (run > 1) await store.requestImageUpload!('big', 'bench');
      const simCpu0 = cpuSecondsOf(sim.pid);
      const r = await runChild(childJs, input);
      const simCpu = cpuSecondsOf(sim.pid) - simCpu0;
      if (r.outcome?.state !== 'ready') throw new Error(`upload failed: ${JSON.stringify(r.outcome)}`);
      // The figure counts only if the simulator really holds every byte.
      const stored = join(dir, 'sim', 'images', r.outcome.externalId!);
      const storedSize = statSync(stored).size;
      const storedMd5 = await md5File(stored);
      if (storedSize !== bytes || storedMd5 !== md5hex) throw new Error(`stored image differs: ${storedSize} bytes, md5 ${storedMd5} (want ${bytes}, ${md5hex})`);
      const mbps = bytes / 1e6 / r.seconds;
      log(`run ${run}: stored bytes verified (size and md5); ${SIZE_MIB} MiB in ${r.seconds.toFixed(2)} s = ${mbps.toFixed(0)} MB/s; builder RSS ${(r.rssBefore / 1e6).toFixed(0)} MB before, peak ${(r.peakRss / 1e6).toFixed(0)} MB`);
      log(`  builder CPU ${r.cpuSeconds.toFixed(2)} s for the upload = ${(bytes / 1e6 / r.cpuSeconds).toFixed(0)} MB per CPU-second on the builder side`);
      log(`  simulator CPU ${simCpu.toFixed(2)} s (receiving, hashing, writing)`);
      log(`  targets: >= 200 MB/s ${mbps >= 200 ? 'met' : 'MISSED'}; RSS < 150 MB ${r.peakRss < 150e6 ? 'met' : 'MISSED'}`);
    }
    await client.close();
    await admin.close();
  } finally {
    await sim.stop();
    await zk.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
