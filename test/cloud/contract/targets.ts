// The clouds the contract suite runs against: always the simulator; a real cloud when OS_CLOUD is set
// (clouds.yaml found the openstacksdk way). Server parameters come from env for the lab stage:
//   NODEPOOL_CONTRACT_NETWORK (lab-loopback), NODEPOOL_CONTRACT_FLAVOR (m1.tiny),
//   NODEPOOL_CONTRACT_IMAGE (lab-image on a real cloud; the simulator gets an uploaded one),
//   NODEPOOL_CONTRACT_FIP (1: also test auto floating IPs; 0 skips), NODEPOOL_CONTRACT_TIMEOUT_MS.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClouds } from '../../../src/config/clouds/load-clouds.ts';
import type { CloudConfig } from '../../../src/config/model.ts';
import { OpenStackProvider } from '../../../src/cloud/openstack/provider.ts';
import { startSimulator, type RunningSimulator } from '../../../src/cloud/sim/server.ts';
import { systemClock } from '../../../src/util/clock.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import { makeProviderConfig } from './fixtures.ts';

export interface ContractEnv {
  provider: OpenStackProvider;
  cloud: CloudConfig;
  network: string;
  flavor: string;
  /** Boot image id. */
  imageId: string;
  testFloatingIps: boolean;
  /** Unique per run: every resource the suite creates starts with it. */
  prefix: string;
  timeoutMs: number;
  pollMs: number;
  sim: RunningSimulator | null;
  close(): Promise<void>;
}

export interface ContractTarget {
  name: string;
  setup(): Promise<ContractEnv>;
}

const env = process.env;
const runId = `npc${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;

/** A tiny image file for the simulator target's boot image and the upload tests. */
export function writeTestImage(dir: string, bytes: number): string {
  const path = join(dir, `image-${bytes}.qcow2`);
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 31 + 7) & 0xff;
  writeFileSync(path, data);
  return path;
}

export function loadCloud(name: string, dirs: { env: NodeJS.ProcessEnv; home: string; cwd: string; systemDir?: string }): CloudConfig {
  const clouds = loadClouds({ env: dirs.env as Record<string, string | undefined>, home: dirs.home, cwd: dirs.cwd, systemDir: dirs.systemDir });
  const cloud = clouds.clouds[name];
  if (!cloud) throw new Error(`cloud ${name} not in ${clouds.file}`);
  return cloud;
}

export const simulatorTarget: ContractTarget = {
  name: 'simulator',
  async setup() {
    const sim = await startSimulator({ config: { ssh: { enabled: false }, buildDelayMs: 100, deleteDelayMs: 50, quotas: { instances: 50, cores: 100, ram: 204800 } } });
    const dir = mkdtempSync(join(tmpdir(), 'np-contract-'));
    const file = join(dir, 'clouds.yaml');
    writeFileSync(file, sim.cloudsYaml('sim'));
    const cloud = loadCloud('sim', { env: { OS_CLIENT_CONFIG_FILE: file }, home: dir, cwd: dir, systemDir: dir });
    const provider = new OpenStackProvider(makeProviderConfig('sim'), cloud, { clock: systemClock, logger: silentLogger(), imagePollIntervalMs: 50 });
    await provider.start();
    const image = await provider.uploadImage({ name: `${runId}-boot`, filePath: writeTestImage(dir, 64 * 1024), format: 'qcow2', metadata: {} });
    return {
      provider, cloud, sim, prefix: runId, imageId: image.id,
      network: env.NODEPOOL_CONTRACT_NETWORK ?? 'lab-loopback',
      flavor: env.NODEPOOL_CONTRACT_FLAVOR ?? 'm1.tiny',
      testFloatingIps: true, timeoutMs: 30_000, pollMs: 50,
      async close() {
        await provider.deleteImage(image.id).catch(() => undefined);
        await provider.stop();
        await sim.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const realCloudTarget: ContractTarget | null = env.OS_CLOUD
  ? {
      name: `cloud ${env.OS_CLOUD}`,
      async setup() {
        const cloud = loadCloud(env.OS_CLOUD!, { env, home: homedir(), cwd: process.cwd() });
        const provider = new OpenStackProvider(makeProviderConfig(env.OS_CLOUD!), cloud, { clock: systemClock, logger: silentLogger(), imagePollIntervalMs: 500 });
        await provider.start();
        const imageName = env.NODEPOOL_CONTRACT_IMAGE ?? 'lab-image';
        const image = await provider.findImage(imageName);
        if (!image) throw new Error(`boot image ${imageName} not found (set NODEPOOL_CONTRACT_IMAGE)`);
        return {
          provider, cloud, sim: null, prefix: runId, imageId: image.id,
          network: env.NODEPOOL_CONTRACT_NETWORK ?? 'lab-loopback',
          flavor: env.NODEPOOL_CONTRACT_FLAVOR ?? 'm1.tiny',
          testFloatingIps: env.NODEPOOL_CONTRACT_FIP !== '0',
          timeoutMs: Number(env.NODEPOOL_CONTRACT_TIMEOUT_MS ?? 180_000), pollMs: 500,
          close: () => provider.stop(),
        };
      },
    }
  : null;

export const contractTargets: ContractTarget[] = [simulatorTarget, ...(realCloudTarget ? [realCloudTarget] : [])];
