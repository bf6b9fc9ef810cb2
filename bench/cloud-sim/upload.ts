// Streams a large image into the simulator (run as its own process) and prints throughput and the
// simulator's peak RSS. Usage: npx tsx bench/cloud-sim/upload.ts [GiB=2] [sha512|sha256 (os_hash_algo)]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { parse as parseYaml } from 'yaml';

/** user + system CPU seconds of a process, all threads included. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const gib = Number(process.argv[2] ?? '2');
const total = Math.round(gib * 1024 ** 3);
const hashAlgorithm = process.argv[3] ?? 'sha512';
const stateDir = mkdtempSync(join(tmpdir(), 'sim-bench-'));
const configFile = join(stateDir, 'sim.yaml');
writeFileSync(configFile, `imageHashAlgorithm: ${hashAlgorithm}\nssh:\n  enabled: false\n`);
const root = new URL('../../', import.meta.url).pathname;
const child = spawn(process.execPath, ['--import', 'tsx', `${root}src/cloud/sim/main.ts`, '--listen', '127.0.0.1:0', '--state-dir', stateDir, '--config', configFile], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
child.stdout.on('data', (d) => (out += d));
const deadline = Date.now() + 30_000;
while (!out.includes('identity_api_version') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
const cloud = parseYaml(out).clouds.sim;
const base = cloud.auth.auth_url.replace(/\/identity\/v3$/, '');

try {
  const auth = await request(`${base}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: cloud.auth.username, domain: { name: 'Default' }, password: cloud.auth.password } } },
        scope: { project: { name: cloud.auth.project_name, domain: { name: 'Default' } } },
      },
    }),
  });
  await auth.body.dump();
  const token = String(auth.headers['x-subject-token']);
  const created = await request(`${base}/image/v2/images`, {
    method: 'POST',
    headers: { 'x-auth-token': token, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', disk_format: 'raw', container_format: 'bare' }),
  });
  const { id } = (await created.body.json()) as { id: string };
  const chunk = Buffer.alloc(1 << 20, 0x5a);
  let sent = 0;
  const body = Readable.from(
    (function* () {
      while (sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        yield n === chunk.length ? chunk : chunk.subarray(0, n);
      }
    })(),
  );
  const cpuBefore = cpuSeconds(child.pid!);
  const started = performance.now();
  const put = await request(`${base}/image/v2/images/${id}/file`, {
    method: 'PUT',
    headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream', 'content-length': String(total) },
    body,
  });
  await put.body.dump();
  const seconds = (performance.now() - started) / 1000;
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  const cpu = cpuSeconds(child.pid!) - cpuBefore;
  console.log(`upload ${gib} GiB (md5 + sha256${hashAlgorithm === 'sha512' ? ' + sha512' : ''}): HTTP ${put.statusCode}, ${seconds.toFixed(2)} s, ${(total / 1e6 / seconds).toFixed(0)} MB/s, simulator peak RSS ${(Number(hwm) / 1024).toFixed(0)} MiB`);
  // CPU time does not depend on what else the machine runs; wall time does.
  console.log(`simulator CPU ${cpu.toFixed(2)} s (all threads) = ${(total / 1e6 / cpu).toFixed(0)} MB per CPU-second; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(stateDir, { recursive: true, force: true });
}
