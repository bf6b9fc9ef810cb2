// A simulator plus an OpenStackProvider on it, for the fault and scale tests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ProviderConfig } from '../../../src/config/model.ts';
import { OpenStackProvider, type OpenStackProviderOptions } from '../../../src/cloud/openstack/provider.ts';
import { startSimulator, type RunningSimulator } from '../../../src/cloud/sim/server.ts';
import type { SimulatorConfigInput } from '../../../src/cloud/sim/config.ts';
import type { Clock } from '../../../src/util/clock.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import { makeProviderConfig } from '../contract/fixtures.ts';
import { loadCloud, writeTestImage } from '../contract/targets.ts';

/** Real time, but retry/backoff sleeps last 1/`factor` as long; remembers the requested delays. */
export class FastClock implements Clock {
  readonly sleeps: number[] = [];
  private readonly factor: number;
  constructor(factor = 50) {
    this.factor = factor;
  }
  now(): number {
    return Date.now();
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(resolve, ms / this.factor);
      signal?.addEventListener('abort', () => {
        clearTimeout(t);
        reject(signal.reason);
      }, { once: true });
    });
  }
}

export interface SimHarness {
  sim: RunningSimulator;
  dir: string;
  provider(overrides?: Partial<ProviderConfig>, options?: Partial<OpenStackProviderOptions>): Promise<OpenStackProvider>;
  bootImageId: string;
  close(): Promise<void>;
}

export async function startHarness(config: SimulatorConfigInput = {}): Promise<SimHarness> {
  const sim = await startSimulator({ config: { ssh: { enabled: false }, buildDelayMs: 50, deleteDelayMs: 20, ...config } });
  const dir = mkdtempSync(join(tmpdir(), 'np-sim-harness-'));
  const file = join(dir, 'clouds.yaml');
  writeFileSync(file, sim.cloudsYaml('sim'));
  const cloud = loadCloud('sim', { env: { OS_CLIENT_CONFIG_FILE: file }, home: dir, cwd: dir, systemDir: dir });
  const providers: OpenStackProvider[] = [];
  const make = async (overrides: Partial<ProviderConfig> = {}, options: Partial<OpenStackProviderOptions> = {}) => {
    const p = new OpenStackProvider(makeProviderConfig('sim', overrides), cloud, {
      clock: new FastClock(), logger: silentLogger(), imagePollIntervalMs: 20, serverListTtlMs: 100, ...options,
    });
    providers.push(p);
    await p.start();
    return p;
  };
  const setupProvider = await make();
  const boot = await setupProvider.uploadImage({ name: 'boot', filePath: writeTestImage(dir, 4096), format: 'qcow2', metadata: {} });
  return {
    sim, dir, provider: make, bootImageId: boot.id,
    async close() {
      for (const p of providers) await p.stop();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The simulator holds nothing but the boot image: no servers, ports, floating IPs or other images. */
export async function expectNothingLeft(h: SimHarness): Promise<void> {
  const s = await h.sim.admin.state();
  expect({
    servers: s.servers.map((x) => `${x.name} ${x.status}`),
    ports: s.ports.length,
    floatingIps: s.floatingIps.length,
    images: s.images.map((i) => i.id),
  }).toEqual({ servers: [], ports: 0, floatingIps: 0, images: [h.bootImageId] });
}
