// The pure explanation of a waiting request (why / request-list --explain).
import { describe, it, expect } from 'vitest';
import { explainRequest } from '../../src/cli/explain.ts';
import { makeRequest, makePool } from '../web/status-fixtures.ts';

const nowMs = 1_795_500_000_000;
const nowS = nowMs / 1000;

describe('explainRequest', () => {
  it('says no launcher runs when no pool is registered', () => {
    const lines = explainRequest({ request: makeRequest({ id: '200-0000000001', node_types: ['small'], requestor: 'zuul', created_time: nowS - 300 }), explanations: [], pools: [], nowMs });
    expect(lines[0]).toBe('Request 200-0000000001 (small; requestor zuul; priority 200, relative 0) is requested, waiting 00:00:05:00.');
    expect(lines).toContain('  - no launcher pool is registered in ZooKeeper: is nodepool-launcher running?');
  });

  it('names labels no pool supports and labels no single pool has together', () => {
    const pools = [
      makePool({ id: 'a', provider_name: 'pa', supported_labels: ['small'] }),
      makePool({ id: 'b', provider_name: 'pb', supported_labels: ['gpu'] }),
    ];
    const lines = explainRequest({ request: makeRequest({ id: '100-0000000002', node_types: ['small', 'gpu', 'arm'] }), explanations: [], pools, nowMs });
    expect(lines).toContain('  - no registered pool supports label "arm"');
    expect(lines).toContain('  - no single pool supports all of small,gpu,arm (a request is served by one pool)');
  });

  it('lists recorded reasons newest first, declines, paused pools and pools yet to answer', () => {
    const pools = [
      makePool({ id: 'pool-a', provider_name: 'pa', name: 'main', supported_labels: ['small'], paused: true }),
      makePool({ id: 'pool-b', provider_name: 'pb', name: 'main', supported_labels: ['small'] }),
      makePool({ id: 'pool-c', provider_name: 'pc', name: 'main', supported_labels: ['small'] }),
    ];
    const request = makeRequest({ id: '200-0000000003', node_types: ['small'], declined_by: ['pool-b'] });
    const explanations = [
      { request_id: request.id, pool_id: 'pool-a', provider: 'pa', pool: 'main', reason: 'deferred: quota reached', time: nowS - 60 },
      { request_id: request.id, pool_id: 'pool-b', provider: 'pb', pool: 'main', reason: 'declined: image not uploaded (images are not available)', time: nowS - 2 },
    ];
    const lines = explainRequest({ request, explanations, pools, nowMs });
    expect(lines.slice(1)).toEqual([
      '  - declined by: pool-b',
      '  - pool pa/main (pool-a) is paused: it is at quota and finishing the request it holds',
      '  - pool pb/main (pool-b), 00:00:00:02 ago: declined: image not uploaded (images are not available)',
      '  - pool pa/main (pool-a), 00:00:01:00 ago: deferred: quota reached',
      '  - not yet taken up by: pc/main (pool-c)',
    ]);
  });

  it('explains failed and fulfilled requests', () => {
    const failed = explainRequest({ request: makeRequest({ id: '200-0000000004', state: 'failed', node_types: ['x'], declined_by: ['p1', 'p2'] }), explanations: [], pools: [makePool({ id: 'p1', supported_labels: ['x'] })], nowMs });
    expect(failed).toContain('  - every registered pool able to serve it declined it (declined by: p1, p2)');
    const done = explainRequest({ request: makeRequest({ id: '200-0000000005', state: 'fulfilled', nodes: ['0000000007'] }), explanations: [], pools: [], nowMs });
    expect(done.slice(1)).toEqual(['  - it was fulfilled with node(s) 0000000007; the requestor has not collected it yet']);
  });

  it('notes a provider preference nobody can meet', () => {
    const lines = explainRequest({ request: makeRequest({ id: '200-0000000006', node_types: ['x'], provider: 'gone' }), explanations: [], pools: [makePool({ id: 'p1', provider_name: 'here', supported_labels: ['x'] })], nowMs });
    expect(lines).toContain('  - it prefers provider gone, which has no registered pool supporting its labels');
  });
});
