// Which nodes and requests a launcher takes over after a predecessor on the same host died.
import { describe, expect, it } from 'vitest';
import { newNode } from '../../src/model/factories.ts';
import type { Node, NodeRequest } from '../../src/model/types.ts';
import { isOrphanOfPool, orphanedRequests, resumableHere, type PoolIdentity } from '../../src/launcher/resume-decision.ts';
import { request } from './config-fixtures.ts';

const me: PoolIdentity = { hostname: 'vm', provider: 'sim', pool: 'main', launcherId: 'vm-PoolWorker.sim-main-new' };
const node = (over: Partial<Node>): Node => ({
  ...newNode({ provider: 'sim', pool: 'main', type: ['small'], state: 'building', launcher: 'vm-PoolWorker.sim-main-old', allocated_to: '200-1' }, 1_000_000),
  id: '0000000001', ...over,
});
const requests = (...rs: NodeRequest[]) => new Map(rs.map((r) => [r.id, r]));

describe('resume decisions', () => {
  it('a building or ready node of an earlier pool worker of this host, provider and pool is an orphan', () => {
    expect(isOrphanOfPool(node({}), me)).toBe(true);
    expect(isOrphanOfPool(node({ state: 'ready' }), me)).toBe(true);
    expect(isOrphanOfPool(node({ launcher: me.launcherId }), me)).toBe(false);
    expect(isOrphanOfPool(node({ launcher: 'other-PoolWorker.sim-main-old' }), me)).toBe(false);
    expect(isOrphanOfPool(node({ pool: 'second' }), me)).toBe(false);
    expect(isOrphanOfPool(node({ state: 'failed' }), me)).toBe(false);
    expect(isOrphanOfPool(node({ allocated_to: null }), me)).toBe(false);
  });

  it('groups orphans by their pending request and leaves requests in other states alone', () => {
    const nodes = [node({ id: 'a' }), node({ id: 'b', state: 'ready' }), node({ id: 'c', allocated_to: '200-2' })];
    const out = orphanedRequests(nodes, requests(request('200-1', { state: 'pending' }), request('200-2', { state: 'requested' })), me);
    expect([...out.keys()]).toEqual(['200-1']);
    expect(out.get('200-1')!.map((n) => n.id)).toEqual(['a', 'b']);
  });

  it('keeps the delete path off a building node this launcher will resume, and only that', () => {
    const pending = requests(request('200-1', { state: 'pending' }));
    expect(resumableHere(node({}), [me], pending)).toBe(true);
    expect(resumableHere(node({}), [me], requests(request('200-1', { state: 'requested' })))).toBe(false);
    expect(resumableHere(node({}), [], pending)).toBe(false);
    expect(resumableHere(node({ state: 'used' }), [me], pending)).toBe(false);
    expect(resumableHere(node({ launcher: 'other-PoolWorker.sim-main-old' }), [me], pending)).toBe(false);
  });
});
