import { describe, it, expect } from 'vitest';
import { decideMinReady } from '../../src/launcher/min-ready-decision.ts';
import { decideNodeCleanup } from '../../src/launcher/node-cleanup-decision.ts';
import { newNode } from '../../src/model/factories.ts';
import type { Node } from '../../src/model/types.ts';
import { request } from './config-fixtures.ts';

const label = (name: string, minReady: number) => ({ name, minReady, maxReadyAge: 0, readyScript: null });
const node = (id: string, fields: Partial<Node>): Node => ({ id, ...newNode({ type: ['small'], provider: 'cloud1', ...fields }, 0) });

describe('decideMinReady', () => {
  it('tops up to min-ready counting READY unallocated nodes and outstanding min-ready requests', () => {
    const nodes = [
      node('1', { state: 'ready' }),
      node('2', { state: 'ready', allocated_to: '200-1' }),
      node('3', { state: 'building' }),
    ];
    const reqs = [request('900-1', { requestor: 'NodePool:min-ready', state: 'pending' })];
    expect(decideMinReady([label('small', 4)], nodes, reqs, () => true)).toEqual(new Map([['small', 2]]));
  });

  it('ignores failed min-ready requests and other requestors', () => {
    const reqs = [
      request('900-1', { requestor: 'NodePool:min-ready', state: 'failed' }),
      request('200-2', { requestor: 'zuul' }),
    ];
    expect(decideMinReady([label('small', 1)], [], reqs, () => true)).toEqual(new Map([['small', 1]]));
  });

  it('skips disabled labels, satisfied labels and labels whose image is not available', () => {
    const nodes = [node('1', { state: 'ready' })];
    expect(decideMinReady([label('small', 1), label('off', -1), label('zero', 0), label('noimg', 2)], nodes, [],
      (l) => l !== 'noimg')).toEqual(new Map());
  });
});

describe('decideNodeCleanup', () => {
  const facts = { providerConfigured: true, requestExists: true };
  it('deletes nodes in deletable states and leaves live ones', () => {
    for (const state of ['used', 'in-use', 'building', 'failed', 'deleting', 'deleted', 'aborted'] as const) {
      expect(decideNodeCleanup({ state, allocated_to: null, provider: 'p' }, facts)).toBe('delete');
    }
    for (const state of ['ready', 'hold', 'init', 'testing'] as const) {
      expect(decideNodeCleanup({ state, allocated_to: null, provider: 'p' }, facts)).toBe('none');
    }
  });
  it('unallocates READY nodes of vanished requests, and never touches unconfigured providers', () => {
    expect(decideNodeCleanup({ state: 'ready', allocated_to: '200-1', provider: 'p' }, { ...facts, requestExists: false })).toBe('deallocate');
    expect(decideNodeCleanup({ state: 'ready', allocated_to: '200-1', provider: 'p' }, facts)).toBe('none');
    expect(decideNodeCleanup({ state: 'used', allocated_to: null, provider: 'p' }, { ...facts, providerConfigured: false })).toBe('none');
  });
});
