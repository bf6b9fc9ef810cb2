// Helpers for the cleanup/check/ready-script tests: a launcher env (../launcher-env.ts) whose
// simulator runs SSH endpoints, a config patched with classic label fields, launchers built
// with extra deps (environment, ready-script log dir), a registered keypair, and scripts baked
// into "the image" (written into each new server's sandbox /opt/nodepool-scripts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodepoolConfig, PoolLabelConfig } from '../../../src/config/model.ts';
import type { RunningSimulator } from '../../../src/cloud/sim/server.ts';
import type { CloudProvider } from '../../../src/cloud/provider.ts';
import { Launcher } from '../../../src/launcher/launcher.ts';
import type { LauncherDeps } from '../../../src/launcher/deps.ts';
import { SimApi, type SimEndpoint } from '../../cloud/sim/sim-client.ts';
import { startEnv, type EnvOptions, type LauncherEnv } from '../launcher-env.ts';
import { openStackDrivers } from '../../../src/launcher/driver/openstack-driver.ts';
import { generateEd25519KeyPair } from '../../../src/util/ssh-keypair.ts';

export interface CareEnv extends LauncherEnv {
  /** A launcher whose deps carry `extra` (environment, readyScriptLogDir, metrics...). */
  startLauncher(extra?: Partial<LauncherDeps>): Promise<Launcher>;
  /** Started OpenStack providers for building worker deps directly. */
  providerMap(): Promise<Map<string, CloudProvider>>;
}

export async function startCareEnv(opts: EnvOptions): Promise<CareEnv> {
  // Real sshd, ready scripts and keyscans run in real time: the system clock unless asked.
  const env = await startEnv({ clock: 'system', ...opts });
  const started: { launchers: Launcher[] } = { launchers: [] };
  const providerMap = async () => {
    const map = new Map<string, CloudProvider>();
    for (const p of env.config.providers) map.set(p.name, await env.newProvider(p));
    return map;
  };
  const close = env.close.bind(env);
  return Object.assign(env, {
    providerMap,
    async startLauncher(extra: Partial<LauncherDeps> = {}) {
      const deps: LauncherDeps = {
        store: env.store, getConfig: () => env.config, drivers: openStackDrivers(await providerMap(), { getConfig: () => env.config, clock: env.clock, logger: env.logger }), clock: env.clock,
        logger: env.logger, hostname: 'care-host', ...extra,
      };
      const launcher = new Launcher({ deps, connection: env.client, refreshIntervalMs: 200 });
      started.launchers.push(launcher);
      await env.drive(launcher.start());
      return launcher;
    },
    async close() {
      for (const l of started.launchers) await env.drive(l.stop()).catch(() => undefined);
      await close();
    },
  });
}

/** A copy of the (frozen) config with every pool label patched and top-level fields replaced. */
export function patchConfig(config: NodepoolConfig, label: Partial<PoolLabelConfig>, top: Partial<NodepoolConfig> = {}): NodepoolConfig {
  const copy = structuredClone(config) as NodepoolConfig;
  for (const provider of copy.providers) {
    for (const pool of provider.pools) pool.labels = pool.labels.map((l) => ({ ...l, ...label }));
  }
  return Object.assign(copy, top);
}

/** Writes an ed25519 key (0600) and registers its public half as a Nova keypair. */
export async function registerKeypair(sim: SimEndpoint, dir: string, name: string): Promise<string> {
  const key = generateEd25519KeyPair();
  const path = join(dir, `${name}.key`);
  writeFileSync(path, key.private, { mode: 0o600 });
  const api = await SimApi.login(sim);
  const r = await api.call('POST', '/compute/v2.1/os-keypairs', { keypair: { name, public_key: key.public } });
  if (r.status !== 200 && r.status !== 201) throw new Error(`keypair create failed: ${r.status} ${r.text}`);
  return path;
}

/**
 * A real image may carry the ready-script in /opt/nodepool-scripts (the nodepool element copies
 * it there). Until stopped, every new server's sandbox gets these scripts while it builds.
 */
export function bakeImageScripts(sim: RunningSimulator, scripts: Record<string, string>): { stop(): void } {
  const done = new Set<string>();
  let stopped = false;
  const tick = async () => {
    while (!stopped) {
      for (const s of await sim.admin.listServers().catch(() => [])) {
        if (done.has(s.id)) continue;
        const dir = join(s.sandboxDir, 'opt/nodepool-scripts');
        mkdirSync(dir, { recursive: true });
        for (const [name, text] of Object.entries(scripts)) writeFileSync(join(dir, name), text, { mode: 0o755 });
        done.add(s.id);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  void tick();
  return { stop: () => { stopped = true; } };
}
