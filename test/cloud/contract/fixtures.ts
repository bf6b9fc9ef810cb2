// Config builders and state-machine drivers shared by the contract and fault suites.
import type { PoolConfig, PoolLabelConfig, ProviderConfig } from '../../../src/config/model.ts';
import type { CreateServerSpec, CreateStateMachine, DeleteStateMachine, ServerInfo } from '../../../src/cloud/provider.ts';

export function makeLabel(overrides: Partial<PoolLabelConfig> = {}): PoolLabelConfig {
  return {
    name: 'contract-label', diskimage: null, cloudImage: 'contract-image', minRam: null, flavorName: 'm1.tiny',
    nameFilter: null, keyName: null, consoleLog: false, bootFromVolume: false, volumeSize: 50,
    instanceProperties: {}, dynamicInstanceProperties: {}, userdata: null, networks: null,
    hostKeyChecking: null, username: null, privateKey: null, readyScript: null,
    ...overrides,
  };
}

export function makePool(overrides: Partial<PoolConfig> = {}): PoolConfig {
  return {
    name: 'main', maxServers: Infinity, maxCores: Infinity, maxRam: Infinity, maxVolumes: Infinity, maxVolumeGb: Infinity,
    ignoreProviderQuota: false, availabilityZones: [], networks: [], securityGroups: [], autoFloatingIp: false,
    hostKeyChecking: false, nodeAttributes: {}, priority: 100, labels: [],
    ...overrides,
  };
}

export function makeProviderConfig(cloud: string, overrides: Partial<ProviderConfig> = {}): ProviderConfig {
  return {
    name: 'contract', driver: 'openstack', cloud, regionName: null, maxConcurrency: 0, priority: 100,
    bootTimeout: 60, launchTimeout: 600, launchRetries: 3, rate: 0, imageUploadTimeout: 600,
    imageNameFormat: '{image_name}-{timestamp}', cleanFloatingIps: false, portCleanupInterval: 600,
    postUploadHook: null, imageType: null, diskimages: [], cloudImages: [], pools: [],
    ...overrides,
  };
}

export function serverSpec(hostname: string, label: PoolLabelConfig, pool: PoolConfig, imageId: string | null, extra: Partial<CreateServerSpec> = {}): CreateServerSpec {
  return {
    hostname, label, pool, imageId, imageName: null, az: null,
    metadata: { nodepool_node_id: hostname.slice(2), nodepool_pool_name: pool.name, nodepool_provider_name: 'contract' },
    configDrive: null,
    ...extra,
  };
}

/** Drives advance() until complete or an error; polls every `intervalMs` of real time. */
export async function runCreate(sm: CreateStateMachine, { timeoutMs = 60_000, intervalMs = 50 } = {}): Promise<ServerInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await sm.advance();
    if (sm.complete && result) return result;
    if (Date.now() > deadline) throw new Error(`create did not complete within ${timeoutMs} ms (state ${sm.state})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function runDelete(sm: DeleteStateMachine, { timeoutMs = 60_000, intervalMs = 50 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await sm.advance();
    if (sm.complete) return;
    if (Date.now() > deadline) throw new Error(`delete did not complete within ${timeoutMs} ms (state ${sm.state})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
