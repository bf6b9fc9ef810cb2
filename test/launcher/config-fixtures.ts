// Small typed config objects for the pure launcher tests (no YAML, no loader).
import type { PoolConfig, PoolLabelConfig, ProviderConfig } from '../../src/config/model.ts';
import type { NodeRequest } from '../../src/model/types.ts';

export function poolLabel(name: string, overrides: Partial<PoolLabelConfig> = {}): PoolLabelConfig {
  return {
    name, diskimage: null, cloudImage: 'cirros', minRam: null, flavorName: 'small', nameFilter: null,
    keyName: null, consoleLog: false, bootFromVolume: false, volumeSize: 50, instanceProperties: {},
    dynamicInstanceProperties: {}, userdata: null, networks: null, hostKeyChecking: null,
    username: null, privateKey: null, readyScript: null, ...overrides,
  };
}

export function pool(overrides: Partial<PoolConfig> = {}): PoolConfig {
  return {
    name: 'main', maxServers: Infinity, maxCores: Infinity, maxRam: Infinity, maxVolumes: Infinity,
    maxVolumeGb: Infinity, ignoreProviderQuota: false, availabilityZones: [], networks: [],
    securityGroups: [], autoFloatingIp: true, hostKeyChecking: true, nodeAttributes: {},
    priority: 100, labels: [poolLabel('small')], ...overrides,
  };
}

export function provider(overrides: Partial<ProviderConfig> = {}): ProviderConfig {
  return {
    name: 'cloud1', driver: 'openstack', cloud: 'sim', regionName: null, maxConcurrency: -1,
    priority: 100, bootTimeout: 60, launchTimeout: 3600, launchRetries: 3, rate: 0,
    imageUploadTimeout: 3600, imageNameFormat: '{image_name}-{timestamp}', cleanFloatingIps: false,
    portCleanupInterval: 600, postUploadHook: null, imageType: null, diskimages: [],
    cloudImages: [{
      name: 'cirros', configDrive: null, connectionType: 'ssh', connectionPort: 22, imageId: null,
      imageName: 'cirros-0.6', username: 'cirros', pythonPath: 'auto', shellType: null,
    }],
    pools: [pool()], ...overrides,
  };
}

export function request(id: string, overrides: Partial<NodeRequest> = {}): NodeRequest {
  return {
    id, state: 'requested', state_time: 1, declined_by: [], node_types: ['small'], nodes: [],
    reuse: true, requestor: 'zuul', requestor_data: null, provider: null, relative_priority: 0,
    event_id: 'e1', created_time: 1, tenant_name: null, ...overrides,
  };
}
