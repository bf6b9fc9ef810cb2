// A real ZooKeeper chroot, a store on it, and a nodepool.yaml pointing the CLI at it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Clock } from '../../src/util/clock.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testZk, type TestZk } from '../harness/zk.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { runEntry, type RunResult } from '../helpers/spawn.ts';
import { main } from '../../src/cli/main.ts';
import type { CliIo } from '../../src/cli/io.ts';

export interface CliHarness {
  zk: TestZk;
  store: ZkStore;
  dir: string;
  configPath: string;
  /** Spawns `nodepool -c <config> ...args` as a process. */
  spawn(args: string[], input?: string, env?: Record<string, string>): Promise<RunResult>;
  /** Runs the CLI in this process (faster) and captures its output. */
  run(args: string[], answers?: string[], env?: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

export function configYaml(zk: TestZk): string {
  const s = zk.servers[0];
  return `zookeeper-servers:
  - host: ${s.host}
    port: ${s.port}
    chroot: ${zk.chroot}
labels:
  - name: small
    min-ready: 0
  - name: big
    min-ready: 0
diskimages:
  - name: ubuntu-jammy
    elements: [ubuntu-minimal]
  - name: paused-image
    pause: true
    elements: [ubuntu-minimal]
providers:
  - name: cloud-a
    cloud: lab
    diskimages:
      - name: ubuntu-jammy
    pools:
      - name: main
        max-servers: 5
        labels:
          - name: small
            diskimage: ubuntu-jammy
            min-ram: 1024
`;
}

/** `clock` pins the time the in-process CLI computes ages against (run() only; spawn() is real time). */
export async function cliHarness(name: string, options: { clock?: Clock } = {}): Promise<CliHarness> {
  const zk = testZk({ name });
  const client = await zk.connect();
  const store = new ZkStore(client);
  await store.init();
  const dir = mkdtempSync(join(tmpdir(), `np-${name}-`));
  const configPath = join(dir, 'nodepool.yaml');
  writeFileSync(configPath, configYaml(zk));
  return {
    zk, store, dir, configPath,
    spawn: (args, input, env = {}) => runEntry('cli/main.ts', ['-c', configPath, ...args], { input, env: { NODEPOOL_CONFIG: '', ...env } }),
    async run(args, answers = [], env = {}) {
      let stdout = '';
      let stderr = '';
      const io: CliIo = {
        out: (t) => void (stdout += t.endsWith('\n') ? t : `${t}\n`),
        err: (t) => void (stderr += t.endsWith('\n') ? t : `${t}\n`),
        prompt: async (q) => {
          stdout += q;
          return answers.shift() ?? '';
        },
      };
      const code = await main(['-c', configPath, ...args], { io, env, cwd: dir, clock: options.clock });
      return { code, stdout, stderr };
    },
    close: () => zk.closeAll(),
  };
}
