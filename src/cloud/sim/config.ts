// Simulator defaults, and merging a partial config (file or programmatic) over them.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { SimulatorConfig, SimFlavor, SshConfig } from './types.ts';

export type SimulatorConfigInput = Partial<Omit<SimulatorConfig, 'ssh' | 'quotas' | 'domain' | 'project'>> & {
  ssh?: Partial<SshConfig>;
  quotas?: Partial<SimulatorConfig['quotas']>;
  domain?: Partial<SimulatorConfig['domain']>;
  project?: Partial<SimulatorConfig['project']>;
};

// The classic devstack flavors, with their real sizes.
export const DEFAULT_FLAVORS: SimFlavor[] = [
  { id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 },
  { id: '2', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
  { id: '3', name: 'm1.medium', vcpus: 2, ram: 4096, disk: 40 },
  { id: '4', name: 'm1.large', vcpus: 4, ram: 8192, disk: 80 },
  { id: '5', name: 'm1.xlarge', vcpus: 8, ram: 16384, disk: 160 },
];

export const DEFAULT_PASSWORD = 'sim-demo-pw';
export const DEFAULT_APP_CRED_SECRET = 'sim-app-cred-secret';

export function defaultConfig(): SimulatorConfig {
  const projectId = '3f8a5c2e9b0d4e1f8a7b6c5d4e3f2a10';
  const userId = '9c1d2e3f4a5b4c6d8e7f0a1b2c3d4e5f';
  return {
    region: 'RegionOne',
    domain: { id: 'default', name: 'Default' },
    project: { id: projectId, name: 'demo' },
    users: [{ id: userId, name: 'demo', password: DEFAULT_PASSWORD, domainId: 'default', projectId }],
    applicationCredentials: [
      { id: 'a1b2c3d4e5f64789a0b1c2d3e4f5a6b7', name: 'nodepool', secret: DEFAULT_APP_CRED_SECRET, userId },
    ],
    tokenTtlSeconds: 3600,
    buildDelayMs: 300,
    deleteDelayMs: 100,
    flavors: DEFAULT_FLAVORS,
    availabilityZones: ['nova'],
    quotas: { instances: 10, cores: 20, ram: 51200, volumes: 100, gigabytes: 10000 },
    maxComputeMicroversion: '2.93',
    maxPageSize: 1000,
    consoleOutput: 'SIMULATED CONSOLE OUTPUT\nlogin: ',
    imageHashAlgorithm: 'sha512',
    seed: 42,
    ssh: {
      enabled: true,
      port: 0,
      acceptAnyKey: false,
      sandboxPrefixes: ['/etc/nodepool', '/opt/nodepool-scripts', '/var/log/nodepool'],
      sandboxDirs: ['/etc/nodepool', '/opt/nodepool-scripts'],
    },
    faults: {},
  };
}

/** Merges `input` over the defaults; nested objects are merged one level deep. */
export function resolveConfig(input: SimulatorConfigInput = {}): SimulatorConfig {
  const base = defaultConfig();
  // A typo in a test's config would otherwise silently run with the default.
  const unknown = Object.keys(input).filter((k) => !(k in base));
  if (unknown.length) throw new Error(`invalid simulator config: unknown key ${unknown.join(', ')} (known: ${Object.keys(base).join(', ')})`);
  const unknownSsh = Object.keys(input.ssh ?? {}).filter((k) => !(k in base.ssh));
  if (unknownSsh.length) throw new Error(`invalid simulator config: unknown key ssh.${unknownSsh.join(', ssh.')}`);
  const merged: SimulatorConfig = {
    ...base,
    ...input,
    domain: { ...base.domain, ...input.domain },
    project: { ...base.project, ...input.project },
    quotas: { ...base.quotas, ...input.quotas },
    ssh: { ...base.ssh, ...input.ssh },
    faults: { ...base.faults, ...input.faults },
  } as SimulatorConfig;
  // Users and credentials given without a project belong to the configured project.
  merged.users = merged.users.map((u) => ({ ...u, domainId: u.domainId ?? merged.domain.id, projectId: u.projectId ?? merged.project.id }));
  validateConfig(merged);
  return merged;
}

function validateConfig(c: SimulatorConfig): void {
  const problems: string[] = [];
  if (!(c.buildDelayMs >= 0)) problems.push('buildDelayMs must be >= 0');
  if (!(c.deleteDelayMs >= 0)) problems.push('deleteDelayMs must be >= 0');
  if (!(c.tokenTtlSeconds > 0)) problems.push('tokenTtlSeconds must be > 0');
  if (!(c.maxPageSize > 0)) problems.push('maxPageSize must be > 0');
  if (c.imageHashAlgorithm !== 'sha256' && c.imageHashAlgorithm !== 'sha512') problems.push('imageHashAlgorithm must be sha256 or sha512');
  if (!Array.isArray(c.flavors) || c.flavors.length === 0) problems.push('flavors must be a non-empty list');
  if (!Array.isArray(c.availabilityZones) || c.availabilityZones.length === 0) problems.push('availabilityZones must be a non-empty list');
  for (const k of ['instances', 'cores', 'ram', 'volumes', 'gigabytes'] as const) {
    if (typeof c.quotas[k] !== 'number') problems.push(`quotas.${k} must be a number (-1 = unlimited)`);
  }
  if (problems.length) throw new Error(`invalid simulator config: ${problems.join('; ')}`);
}

/** Reads a YAML or JSON config file (JSON is YAML). */
export function loadConfigFile(path: string): SimulatorConfigInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read simulator config ${path}: ${(err as Error).message}`);
  }
  const data: unknown = parseYaml(text);
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new Error(`simulator config ${path}: top level must be a mapping`);
  return data as SimulatorConfigInput;
}
