// Pure key and value shapes behind the statsd figures added for upstream parity (the UDP tests in
// daemon-statsd.test.ts show the daemons sending them).
import { describe, expect, it } from 'vitest';
import { apiCallKey, resourceName } from '../../src/stats/api-call-metrics.ts';
import { addressableRequestCounts } from '../../src/stats/launcher-metrics.ts';
import { zkGauges } from '../../src/launcher/zk-stats.ts';
import { launchResultOf } from '../../src/launcher/launch-result.ts';
import { CloudTimeoutError, ServerStatusError, TerminalError } from '../../src/cloud/errors.ts';

describe('nodepool.task.<provider>.* names', () => {
  it('keeps the resource path after the API version and drops ids', () => {
    expect(resourceName('http://c/compute/v2.1/servers/detail?limit=5')).toBe('servers_detail');
    expect(resourceName('http://c/v2.1/0123456789abcdef0123456789abcdef/servers/8c3f1d0a-1b2c-4d5e-8f90-a1b2c3d4e5f6/action')).toBe('servers_action');
    expect(resourceName('http://c/volume/v3/0123456789abcdef0123456789abcdef/limits')).toBe('limits');
    expect(resourceName('http://c/network/v2.0/floatingips.json')).toBe('floatingips_json');
    expect(resourceName('http://c/')).toBe('discovery');
    expect(apiCallKey('cloud-a', { service: 'compute', method: 'post', url: 'http://c/v2.1/servers' })).toBe('nodepool.task.cloud-a.compute.POST.servers');
  });
});

describe('addressable_requests as upstream counts it', () => {
  it('every registered pool, every request whatever its state, all labels supported', () => {
    const pools = [
      { provider_name: 'a', name: 'main', supported_labels: ['small', 'big'] },
      { provider_name: 'b', name: 'p2', supported_labels: ['small'] },
      { provider_name: 'c', name: '', supported_labels: ['small'] },
    ];
    const requests = [{ node_types: ['small'] }, { node_types: ['small', 'big'] }, { node_types: ['gpu'] }, { node_types: [] }];
    expect(Object.fromEntries(addressableRequestCounts(pools, requests))).toEqual({
      'nodepool.provider.a.pool.main.addressable_requests': 3,
      'nodepool.provider.b.pool.p2.addressable_requests': 2,
    });
  });
});

describe('zk gauges', () => {
  it('reads the client queue and the caches\' pending reads; playback and the image cache are 0', () => {
    const g = zkGauges('nl01', { queuedRequests: 3 }, { node: { pendingReads: () => 2 }, request: { pendingReads: () => 0 } });
    expect(Object.fromEntries(g)).toEqual({
      'nodepool.launcher.nl01.zk.client.connection_queue': 3,
      'nodepool.launcher.nl01.zk.node_cache.event_queue': 2,
      'nodepool.launcher.nl01.zk.node_cache.playback_queue': 0,
      'nodepool.launcher.nl01.zk.request_cache.event_queue': 0,
      'nodepool.launcher.nl01.zk.request_cache.playback_queue': 0,
      'nodepool.launcher.nl01.zk.image_cache.event_queue': 0,
      'nodepool.launcher.nl01.zk.image_cache.playback_queue': 0,
    });
  });
});

describe('launch result names', () => {
  it('a server in ERROR is error.status; timeouts and others as before', () => {
    expect(launchResultOf(new ServerStatusError('server x went to ERROR'))).toBe('error.status');
    expect(launchResultOf(new CloudTimeoutError('slow'))).toBe('error.servercreatetimeout');
    expect(launchResultOf(new TerminalError('no'))).toBe('error.unknown');
    expect(launchResultOf(Object.assign(new Error('scan'), { result: 'error.keyscan' }))).toBe('error.keyscan');
  });
});
