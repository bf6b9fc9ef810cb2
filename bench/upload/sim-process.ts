// Runs the OpenStack simulator in its own process for benchmarks, so its work (hashing, JSON)
// is not counted against the client's CPU and memory.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadClouds } from '../../src/config/clouds/load-clouds.ts';
import type { CloudConfig } from '../../src/config/model.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface SimProcess {
  pid: number;
  url: string;
  cloud: CloudConfig;
  stop(): Promise<void>;
}

export async function startSimProcess(dir: string, config: Record<string, unknown> = {}): Promise<SimProcess> {
  const configFile = join(dir, 'sim-config.json');
  writeFileSync(configFile, JSON.stringify({ ssh: { enabled: false }, ...config }));
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cloud/sim/main.ts'), '--state-dir', join(dir, 'sim'), '--config', configFile], {
    cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Never leave the simulator running when the benchmark ends early.
  const killChild = () => child.kill('SIGTERM');
  process.once('exit', killChild);
  const out = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`simulator did not start: ${text}`)), 30_000);
    child.stdout!.on('data', (d) => {
      text += d;
      // The clouds.yaml ends with the region line; wait for a complete document.
      if (/listening on/.test(text) && /region_name/.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
    child.on('exit', (code) => reject(new Error(`simulator exited with ${code}: ${text}`)));
  });
  const url = /listening on (\S+)/.exec(out)![1];
  const cloudsFile = join(dir, 'clouds.yaml');
  writeFileSync(cloudsFile, out.replace(/^#.*\n/, ''));
  const cloud = loadClouds({ env: { OS_CLIENT_CONFIG_FILE: cloudsFile }, home: dir, cwd: dir, systemDir: dir }).clouds.sim;
  return {
    pid: child.pid!,
    url,
    cloud,
    stop: () => new Promise<void>((resolve) => {
      process.removeListener('exit', killChild);
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name; clock ticks are 100/s on Linux.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident set size of a process now, in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
