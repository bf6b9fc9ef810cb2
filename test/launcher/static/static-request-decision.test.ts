// A static pool's request decision and node choice, and the host check's rules, without
// ZooKeeper or sockets.
import { describe, expect, it } from 'vitest';
import { newNode, newRequest } from '../../../src/model/factories.ts';
import type { Node, NodeRequest } from '../../../src/model/types.ts';
import type { StaticNodeConfig, StaticPoolConfig } from '../../../src/config/static-model.ts';
import { decideStaticRequest, labelCapacity, pickFreeNodes, type StaticPoolView } from '../../../src/launcher/static/static-request-decision.ts';
import { checkStaticHost, type HostCheckDeps } from '../../../src/launcher/static/host-check.ts';

const hostCfg = (name: string, labels: string[], extra: Partial<StaticNodeConfig> = {}): StaticNodeConfig => ({
  name, labels, username: 'zuul', timeout: 5, hostKeyChecking: true, hostKeys: [], connectionType: 'ssh',
  connectionPort: 22, shellType: null, pythonPath: 'auto', maxParallelJobs: 1, ...extra,
});
const pool: StaticPoolConfig = {
  name: 'main', priority: 100, nodeAttributes: {}, labels: ['metal', 'gpu'],
  nodes: [hostCfg('a', ['metal'], { maxParallelJobs: 2 }), hostCfg('b', ['metal', 'gpu'])],
};
const me = { id: 'me', provider_name: 'rack', supported_labels: ['metal', 'gpu'], priority: 100, paused: false };
const view = (extra: Partial<StaticPoolView> = {}): StaticPoolView => ({
  launcherId: 'me', providerName: 'rack', priority: 100, supportedLabels: new Set(pool.labels),
  registeredPools: [me], maxConcurrency: -1, active: new Set(), staticPool: pool, ...extra,
});
const req = (types: string[], extra: Partial<NodeRequest> = {}): NodeRequest =>
  ({ ...newRequest({ node_types: types, state: 'requested' }, 0), id: '100-0000000001', ...extra });

describe('decideStaticRequest', () => {
  it('accepts what its hosts can hold', () => {
    expect(labelCapacity(pool)).toEqual(new Map([['metal', 3], ['gpu', 1]]));
    expect(decideStaticRequest(req(['metal', 'metal', 'gpu']), view())).toEqual({ kind: 'accept' });
  });

  it('declines a label no host offers, with upstream\'s reason', () => {
    expect(decideStaticRequest(req(['arm64']), view())).toEqual({ kind: 'decline', reasons: ['node type(s) [arm64] not available'] });
  });

  it('declines more nodes of a label than the pool has slots for', () => {
    expect(decideStaticRequest(req(['gpu', 'gpu']), view())).toEqual({ kind: 'decline', reasons: ['it would exceed quota'] });
  });

  it('defers to a higher-priority pool offering the labels, as cloud pools do', () => {
    const better = { ...me, id: 'other', provider_name: 'cloud', priority: 50 };
    expect(decideStaticRequest(req(['metal']), view({ registeredPools: [me, better] }))).toMatchObject({ kind: 'defer', reason: 'lower priority' });
  });
});

describe('pickFreeNodes', () => {
  const n = (id: string, type: string[]): Node => ({ ...newNode({ state: 'ready', type }, 0), id });
  it('gives each wanted label its own node, matching any of a node\'s labels', () => {
    const free = [n('1', ['metal', 'gpu']), n('2', ['metal'])];
    expect(pickFreeNodes({ node_types: ['metal', 'metal'] }, free)).toEqual({ ok: true, nodes: free });
    expect(pickFreeNodes({ node_types: ['gpu', 'gpu'] }, free)).toEqual({ ok: false, missing: 'gpu' });
  });
});

describe('checkStaticHost', () => {
  const signal = new AbortController().signal;
  const deps = (keys: string[] | Error): HostCheckDeps & { scans: number; probes: number } => {
    const d = {
      scans: 0, probes: 0,
      scanHostKeys: async () => { d.scans++; if (keys instanceof Error) throw keys; return keys; },
      probePort: async () => { d.probes++; if (keys instanceof Error) throw keys; },
    };
    return d;
  };

  it('requires every configured key among the scanned ones (a comment does not matter)', async () => {
    const host = hostCfg('a', ['metal'], { hostKeys: ['ssh-ed25519 AAAA admin@box'] });
    expect(await checkStaticHost(host, deps(['ssh-ed25519 AAAA', 'ssh-rsa BBBB']), signal)).toEqual({ ok: true, hostKeys: ['ssh-ed25519 AAAA', 'ssh-rsa BBBB'] });
    const r = await checkStaticHost(host, deps(['ssh-ed25519 CCCC']), signal);
    expect(r).toEqual({ ok: false, reason: 'a:22: host key mismatch (configured ssh-ed25519 key not offered; host offers ssh-ed25519)' });
  });

  it('reports an unreachable host with the scanner\'s reason', async () => {
    expect(await checkStaticHost(hostCfg('a', ['m']), deps(new Error('ECONNREFUSED')), signal))
      .toEqual({ ok: false, reason: 'a:22: SSH host key scan failed (ECONNREFUSED)' });
  });

  it('takes an SSH host on trust with host-key-checking off, and only probes the port of a winrm host', async () => {
    const d = deps(new Error('never called'));
    expect(await checkStaticHost(hostCfg('a', ['m'], { hostKeyChecking: false, hostKeys: ['ssh-ed25519 K'] }), d, signal)).toEqual({ ok: true, hostKeys: ['ssh-ed25519 K'] });
    expect(d.scans + d.probes).toBe(0);
    const w = deps([]);
    expect(await checkStaticHost(hostCfg('w', ['m'], { connectionType: 'winrm', connectionPort: 5986 }), w, signal)).toEqual({ ok: true, hostKeys: [] });
    expect([w.scans, w.probes]).toEqual([0, 1]);
  });
});
