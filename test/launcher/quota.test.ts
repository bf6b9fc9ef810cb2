import { describe, it, expect } from 'vitest';
import { hasRemainingQuota, unmanagedUsage, quotaBlocker, nodeResources, canNeverFit, type QuotaState } from '../../src/launcher/quota.ts';
import type { ServerInfo } from '../../src/cloud/provider.ts';
import { pool } from './config-fixtures.ts';

function server(name: string, metadata: Record<string, string>, cores = 2, ram = 2048): ServerInfo {
  return { externalId: name, name, status: 'ACTIVE', metadata, az: null, region: null, hostId: null, fault: null,
    cores, ram, publicIpv4: null, privateIpv4: null, publicIpv6: null, interfaceIp: null };
}

describe('quota arithmetic', () => {
  const needed = { cores: 2, instances: 1, ram: 2048 };
  const base: QuotaState = {
    cloudLimits: { cores: 10, instances: 5, ram: 100000 }, unmanaged: {}, providerUsage: {},
    pool: pool({ maxServers: 3 }), poolUsage: {},
  };

  it('fits an empty pool, respects max-servers and cloud limits', () => {
    expect(hasRemainingQuota(base, needed)).toBe(true);
    expect(hasRemainingQuota({ ...base, poolUsage: { instances: 3 } }, needed)).toBe(false);
    expect(quotaBlocker({ ...base, poolUsage: { instances: 3 } }, needed)).toBe('max-servers');
    expect(hasRemainingQuota({ ...base, providerUsage: { cores: 9 } }, needed)).toBe(false);
    expect(quotaBlocker({ ...base, providerUsage: { cores: 9 } }, needed)).toBe('cloud-quota');
    expect(hasRemainingQuota({ ...base, cloudLimits: null, providerUsage: { cores: 9 } }, needed)).toBe(true);
  });

  it('counts unmanaged usage: foreign servers and ours not in ZooKeeper', () => {
    const servers = [
      server('foreign', {}),
      server('np1', { nodepool_provider_name: 'cloud1', nodepool_node_id: '0000000001' }),
      server('leaked', { nodepool_provider_name: 'cloud1', nodepool_node_id: '0000000099' }),
      server('other-provider', { nodepool_provider_name: 'cloud2', nodepool_node_id: '0000000001' }),
    ];
    expect(unmanagedUsage(servers, 'cloud1', new Set(['0000000001']))).toEqual({ cores: 6, instances: 3, ram: 6144 });
    const state = { ...base, unmanaged: unmanagedUsage(servers, 'cloud1', new Set(['0000000001'])), providerUsage: { instances: 1 } };
    expect(hasRemainingQuota(state, needed)).toBe(true);
    expect(hasRemainingQuota({ ...state, providerUsage: { instances: 2 } }, needed)).toBe(false);
  });

  it('counts a node without resources as one instance', () => {
    expect(nodeResources({ resources: null })).toEqual({ instances: 1 });
    expect(nodeResources({ resources: { cores: 4, instances: 1, ram: 8 } })).toEqual({ cores: 4, instances: 1, ram: 8 });
  });

  it('knows when a request can never fit', () => {
    expect(canNeverFit(null, {}, pool({ maxServers: 2 }), { instances: 3 })).toBe(true);
    expect(canNeverFit(null, {}, pool({ maxServers: 3 }), { instances: 3 })).toBe(false);
    expect(canNeverFit({ cores: 4, instances: 10, ram: 1e6 }, {}, pool(), { cores: 6, instances: 2 })).toBe(true);
  });

  it('"would exceed quota" compares the cloud limits minus unmanaged usage, as upstream', () => {
    const limits = { cores: 8, instances: 10, ram: 1e6, volumes: 4, 'volume-gb': 200 };
    const need = { cores: 4, instances: 1, ram: 2048 };
    expect(canNeverFit(limits, {}, pool(), need)).toBe(false);
    // Another tenant's servers hold 6 of the 8 cores: this request can never fit.
    expect(canNeverFit(limits, { cores: 6, instances: 3, ram: 6144 }, pool(), need)).toBe(true);
    // Volume limits count too: 150 GB attached to unmanaged servers leaves 50.
    const bfv = { ...need, volumes: 1, 'volume-gb': 80 };
    expect(canNeverFit(limits, { volumes: 1, 'volume-gb': 150 }, pool(), bfv)).toBe(true);
    expect(canNeverFit(limits, { volumes: 1, 'volume-gb': 100 }, pool(), bfv)).toBe(false);
  });

  it('counts the volumes attached to unmanaged servers only', () => {
    const servers = [
      server('foreign', {}),
      server('np1', { nodepool_provider_name: 'cloud1', nodepool_node_id: '0000000001' }),
    ];
    const volumes = [
      { sizeGb: 40, serverIds: ['foreign'] },
      { sizeGb: 10, serverIds: ['foreign'] },
      { sizeGb: 50, serverIds: ['np1'] },
      { sizeGb: 99, serverIds: [] },
    ];
    expect(unmanagedUsage(servers, 'cloud1', new Set(['0000000001']), volumes))
      .toEqual({ cores: 2, instances: 1, ram: 2048, volumes: 2, 'volume-gb': 50 });
  });
});
