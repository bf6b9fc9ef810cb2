import { describe, it, expect } from 'vitest';
import { nodeStateGauges, launchKeys, NODE_STATES } from '../../src/stats/launcher-metrics.ts';
import { prometheusSeries } from '../../src/stats/prometheus.ts';
import { makeNode, makePool } from '../web/status-fixtures.ts';

describe('nodeStateGauges', () => {
  it('zero-fills every state for totals, registered providers and supported labels', () => {
    const pools = [makePool({ id: 'p1', provider_name: 'cloud-a', supported_labels: ['small', 'big'] })];
    const nodes = [
      makeNode({ id: '1', provider: 'cloud-a', type: ['small'], state: 'ready' }),
      makeNode({ id: '2', provider: 'cloud-a', type: ['small'], state: 'in-use' }),
      makeNode({ id: '3', provider: 'cloud-z', type: ['odd'], state: 'ready' }),
    ];
    const g = nodeStateGauges(nodes, pools, [{ name: 'cloud-a', poolMaxServers: [5, Infinity, 3] }]);
    for (const s of NODE_STATES) expect(g.has(`nodepool.label.big.nodes.${s}`)).toBe(true);
    expect(g.get('nodepool.nodes.ready')).toBe(2);
    expect(g.get('nodepool.nodes.failed')).toBe(0);
    expect(g.get('nodepool.label.small.nodes.ready')).toBe(1);
    expect(g.get('nodepool.label.small.nodes.in-use')).toBe(1);
    expect(g.get('nodepool.label.odd.nodes.ready')).toBe(1);
    expect(g.get('nodepool.provider.cloud-a.nodes.ready')).toBe(1);
    expect(g.get('nodepool.provider.cloud-z.nodes.ready')).toBe(1);
    expect(g.get('nodepool.provider.cloud-a.max_servers')).toBe(8);
  });

  it('launch keys follow upstream order and optional parts', () => {
    expect(launchKeys({ provider: 'p', az: null, requestor: null, result: 'error.unknown' })).toEqual([
      'nodepool.launch.provider.p.error.unknown', 'nodepool.launch.error.unknown',
    ]);
  });

  it('maps statsd keys to Prometheus series, falling back to a sanitised name', () => {
    expect(prometheusSeries('nodepool.launch.provider.p.error.quota')).toEqual({ name: 'nodepool_launch_provider', labels: { provider: 'p', result: 'error.quota' } });
    expect(prometheusSeries('nodepool.launch.provider.p.az1.error.quota')).toEqual({ name: 'nodepool_launch_provider_az', labels: { provider: 'p', az: 'az1', result: 'error.quota' } });
    expect(prometheusSeries('nodepool.builder.nb01.example.com.image.x.build.state').labels.hostname).toBe('nb01.example.com');
    expect(prometheusSeries('nodepool.something-new.x')).toEqual({ name: 'nodepool_something_new_x', labels: {} });
  });
});
