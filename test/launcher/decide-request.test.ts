import { describe, it, expect } from 'vitest';
import { decideRequestAction, type PoolView, type RegisteredPool } from '../../src/launcher/decide-request.ts';
import { DECLINE_DISABLED, DECLINE_IMAGES, DECLINE_QUOTA } from '../../src/launcher/decline-reasons.ts';
import { pool, request } from './config-fixtures.ts';

const ME = 'host-PoolWorker.cloud1-main-aaa';
function registered(overrides: Partial<RegisteredPool> = {}): RegisteredPool {
  return { id: ME, provider_name: 'cloud1', supported_labels: ['small', 'large'], priority: 100, paused: false, ...overrides };
}
function view(overrides: Partial<PoolView> = {}): PoolView {
  return {
    launcherId: ME, providerName: 'cloud1', priority: 100, supportedLabels: new Set(['small', 'large']),
    registeredPools: [registered()], paused: false, activeLaunches: 0, maxConcurrency: -1,
    tenantLimits: [], tenantUsage: new Map(), active: new Set(),
    pool: pool(), labelAvailability: new Map([['small', 'ok'], ['large', 'ok']]),
    labelResources: new Map([['small', { cores: 1, instances: 1, ram: 1024 }], ['large', { cores: 8, instances: 1, ram: 16384 }]]),
    cloudLimits: null, ...overrides,
  };
}

describe('decideRequestAction', () => {
  it('accepts a plain request it can serve', () => {
    expect(decideRequestAction(request('200-0000000001'), view())).toEqual({ kind: 'accept' });
  });

  it('defers while the driver\'s label quota (free registered nodes) cannot cover the request', () => {
    const two = request('200-1', { node_types: ['small', 'small'] });
    expect(decideRequestAction(two, view({ labelQuota: new Map([['small', 1]]) }))).toMatchObject({ kind: 'defer', reason: 'label quota' });
    expect(decideRequestAction(two, view({ labelQuota: new Map([['small', 2]]) })).kind).toBe('accept');
    // Labels the driver does not limit are not held back.
    expect(decideRequestAction(two, view({ labelQuota: new Map([['large', 0]]) })).kind).toBe('accept');
  });

  it('ignores requests that are not requested, declined by us, or already ours', () => {
    expect(decideRequestAction(request('200-1', { state: 'pending' }), view()).kind).toBe('ignore');
    expect(decideRequestAction(request('200-1', { declined_by: [ME] }), view()).kind).toBe('ignore');
    expect(decideRequestAction(request('200-1'), view({ active: new Set(['200-1']) })).kind).toBe('ignore');
  });

  it('yields to the preferred provider when one of its pools can serve', () => {
    const other = registered({ id: 'x-PoolWorker.cloud2-main-b', provider_name: 'cloud2' });
    const v = view({ registeredPools: [registered(), other] });
    expect(decideRequestAction(request('200-1', { provider: 'cloud2' }), v)).toMatchObject({ kind: 'defer', reason: 'provider preference' });
    // The preferred provider's pool declined: we take it.
    expect(decideRequestAction(request('200-1', { provider: 'cloud2', declined_by: [other.id] }), v).kind).toBe('accept');
    // Preferred provider not registered at all: we take it.
    expect(decideRequestAction(request('200-1', { provider: 'cloud3' }), v).kind).toBe('accept');
  });

  it('yields to a lower priority number unless that pool is paused', () => {
    const better = registered({ id: 'other', priority: 50 });
    expect(decideRequestAction(request('200-1'), view({ registeredPools: [registered(), better] })))
      .toMatchObject({ kind: 'defer', reason: 'lower priority' });
    expect(decideRequestAction(request('200-1'), view({ registeredPools: [registered(), { ...better, paused: true }] })).kind)
      .toBe('accept');
  });

  it('defers a request with labels it lacks when another pool has them all, declines when none does', () => {
    const r = request('200-1', { node_types: ['small', 'gpu'] });
    const other = registered({ id: 'other', supported_labels: ['small', 'gpu'] });
    expect(decideRequestAction(r, view({ registeredPools: [registered(), other] }))).toMatchObject({ kind: 'defer', reason: 'missing labels' });
    expect(decideRequestAction(r, view())).toEqual({ kind: 'decline', reasons: ['node type(s) [gpu] not available'] });
  });

  it('declines with upstream reasons', () => {
    expect(decideRequestAction(request('200-1'), view({ pool: pool({ maxServers: 0 }) })))
      .toEqual({ kind: 'decline', reasons: [DECLINE_DISABLED, DECLINE_QUOTA] });
    expect(decideRequestAction(request('200-1'), view({ labelAvailability: new Map([['small', 'no-image']]) })))
      .toEqual({ kind: 'decline', reasons: [DECLINE_IMAGES] });
    const r = request('200-1', { node_types: ['large', 'large'] });
    expect(decideRequestAction(r, view({ pool: pool({ maxCores: 10 }) }))).toEqual({ kind: 'decline', reasons: [DECLINE_QUOTA] });
    expect(decideRequestAction(r, view({ cloudLimits: { cores: 100, instances: 1, ram: 1e9 } })))
      .toEqual({ kind: 'decline', reasons: [DECLINE_QUOTA] });
    expect(decideRequestAction(r, view({ cloudLimits: { cores: 100, instances: 2, ram: 1e9 } })).kind).toBe('accept');
  });

  it('still declines while paused, but defers what it could serve', () => {
    expect(decideRequestAction(request('200-1', { node_types: ['gpu'] }), view({ paused: true })).kind).toBe('decline');
    expect(decideRequestAction(request('200-1'), view({ paused: true }))).toMatchObject({ kind: 'defer', reason: 'paused' });
  });

  it('defers at max-concurrency', () => {
    expect(decideRequestAction(request('200-1'), view({ maxConcurrency: 2, activeLaunches: 2 })))
      .toMatchObject({ kind: 'defer', reason: 'max-concurrency' });
    expect(decideRequestAction(request('200-1'), view({ maxConcurrency: 2, activeLaunches: 1 })).kind).toBe('accept');
  });

  it('defers when the tenant would exceed its resource limits', () => {
    const v = view({
      tenantLimits: [{ tenantName: 't1', limits: { 'max-cores': 10 } }],
      tenantUsage: new Map([['t1', { cores: 8, instances: 3, ram: 0 }]]),
    });
    expect(decideRequestAction(request('200-1', { tenant_name: 't1', node_types: ['small'] }), v).kind).toBe('accept');
    expect(decideRequestAction(request('200-1', { tenant_name: 't1', node_types: ['small', 'small', 'small'] }), v))
      .toMatchObject({ kind: 'defer', reason: 'tenant limit' });
    expect(decideRequestAction(request('200-1', { tenant_name: 't2', node_types: ['large'] }), v).kind).toBe('accept');
  });
});
