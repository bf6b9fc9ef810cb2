// The pure decisions behind cleanup, check and the ready-script, without ZooKeeper or a cloud.
import { describe, expect, it } from 'vitest';
import type { PortInfo } from '../../../src/cloud/provider.ts';
import type { InstanceInfo } from '../../../src/launcher/driver/driver.ts';
import { toInstance } from '../../../src/launcher/driver/openstack-driver.ts';
import { newNode } from '../../../src/model/factories.ts';
import type { Node } from '../../../src/model/types.ts';
import { nodeIdsClaimedTwice, planDownPorts, planLeakedServers, planRequestLockCleanup, REQUEST_LOCK_MAX_AGE_MS } from '../../../src/launcher/cleanup/leak-decisions.ts';
import { holdExpired, holdLimit, lostRequestNodeAction, readyTooOld } from '../../../src/launcher/cleanup/node-expiry-decisions.ts';
import { decideNodeHealth } from '../../../src/launcher/check/node-health.ts';
import { nodepoolFiles } from '../../../src/launcher/ready-script/node-files.ts';
import { installScriptCommand, readyScriptEnv, runScriptCommand, scriptNameProblem, shellQuote } from '../../../src/launcher/ready-script/script-command.ts';

function server(id: string, metadata: Record<string, string>, status = 'ACTIVE'): InstanceInfo {
  return toInstance({
    externalId: id, name: `np-${id}`, status, metadata, az: null, region: null, hostId: null, fault: null, cores: 1, ram: 512,
    publicIpv4: null, privateIpv4: null, publicIpv6: null, interfaceIp: null,
  });
}

const node = (over: Partial<Node>): Node => ({ ...newNode({ provider: 'p1', pool: 'main', type: ['small'] }, 1_000_000), id: '0000000001', ...over });

describe('planLeakedServers', () => {
  const servers = [
    server('a', { nodepool_provider_name: 'p1', nodepool_node_id: '0000000001' }),
    server('b', { nodepool_provider_name: 'p1', nodepool_node_id: '0000000099' }),
    server('c', { nodepool_provider_name: 'p2', nodepool_node_id: '0000000098' }),
    server('d', {}),
    server('e', { nodepool_provider_name: 'p1' }),
    server('f', { nodepool_provider_name: 'p1', nodepool_node_id: '0000000097' }, 'DELETED'),
  ];
  it('suspects on the first pass and deletes on the second', () => {
    const first = planLeakedServers(servers, 'p1', new Set(['0000000001']), new Set());
    expect(first.toDelete).toEqual([]);
    expect([...first.suspects].sort()).toEqual(['b', 'e']);
    const second = planLeakedServers(servers, 'p1', new Set(['0000000001']), first.suspects);
    expect(second.toDelete.map((s) => s.externalId).sort()).toEqual(['b', 'e']);
  });
  it('takes a second server of a launched node, never the one it records nor one of a node still building', () => {
    const twins = [
      server('s1', { nodepool_provider_name: 'p1', nodepool_node_id: '0000000005' }),
      server('s2', { nodepool_provider_name: 'p1', nodepool_node_id: '0000000005' }),
      server('t1', { nodepool_provider_name: 'p1', nodepool_node_id: '0000000006' }),
      server('t2', { nodepool_provider_name: 'p1', nodepool_node_id: '0000000006' }),
      server('u1', { nodepool_provider_name: 'p1', nodepool_node_id: '0000000007' }),
    ];
    expect(nodeIdsClaimedTwice(twins, 'p1').sort()).toEqual(['0000000005', '0000000006']);
    expect(nodeIdsClaimedTwice(twins, 'p2')).toEqual([]);
    const known = new Set(['0000000005', '0000000006', '0000000007']);
    const claimed = new Map([
      ['0000000005', { state: 'ready' as const, external_id: 's2' }],
      ['0000000006', { state: 'building' as const, external_id: 't2' }],
    ]);
    const first = planLeakedServers(twins, 'p1', known, new Set(), claimed);
    expect([...first.suspects]).toEqual(['s1']);
    expect(planLeakedServers(twins, 'p1', known, first.suspects, claimed).toDelete.map((s) => s.externalId)).toEqual(['s1']);
    for (const state of ['in-use', 'used', 'hold'] as const) {
      expect([...planLeakedServers(twins, 'p1', known, new Set(), new Map([['0000000005', { state, external_id: 's2' }]])).suspects]).toEqual(['s1']);
    }
    // A launched node that records no server (yet) does not make its servers stray.
    expect(planLeakedServers(twins, 'p1', known, new Set(), new Map([['0000000005', { state: 'ready' as const, external_id: null }]])).suspects.size).toBe(0);
  });

  it('forgets a suspect whose node appeared meanwhile', () => {
    const second = planLeakedServers(servers, 'p1', new Set(['0000000001', '0000000099']), new Set(['b']));
    expect(second.toDelete).toEqual([]);
    expect(second.suspects.has('b')).toBe(false);
  });
});

describe('planDownPorts', () => {
  const port = (id: string, deviceOwner = '', status = 'DOWN'): PortInfo => ({ id, status, deviceOwner, deviceId: '' });
  it('deletes a cleanable port only once it has been DOWN for the interval', () => {
    const ports = [port('x'), port('y', 'compute:nova'), port('z', 'network:router_interface')];
    const first = planDownPorts(ports, new Map(), 1000, 600_000);
    expect(first.toDelete).toEqual([]);
    expect([...first.firstSeenDown.keys()].sort()).toEqual(['x', 'y']);
    const early = planDownPorts(ports, first.firstSeenDown, 1000 + 599_999, 600_000);
    expect(early.toDelete).toEqual([]);
    const due = planDownPorts([port('x')], early.firstSeenDown, 1000 + 600_000, 600_000);
    expect(due.toDelete.map((p) => p.id)).toEqual(['x']);
    // y came back up (not in the DOWN list): forgotten, so it starts over if it goes DOWN again.
    expect(due.firstSeenDown.has('y')).toBe(false);
  });
});

describe('planRequestLockCleanup', () => {
  it('removes only old locks of vanished requests', () => {
    const now = 100 * 3600 * 1000;
    const locks = [
      { id: '100-0000000001', mtime: now - REQUEST_LOCK_MAX_AGE_MS - 1 },
      { id: '100-0000000002', mtime: now - REQUEST_LOCK_MAX_AGE_MS - 1 },
      { id: '100-0000000003', mtime: now - 1000 },
    ];
    expect(planRequestLockCleanup(locks, new Set(['100-0000000002']), now)).toEqual(['100-0000000001']);
  });
});

describe('node expiry', () => {
  it('max-ready-age applies to READY unallocated nodes only, and 0 is off', () => {
    const n = node({ state: 'ready', state_time: 1000 });
    expect(readyTooOld(n, 60, 1061_000)).toBe(true);
    expect(readyTooOld(n, 60, 1059_000)).toBe(false);
    expect(readyTooOld(n, 0, 99_999_000)).toBe(false);
    expect(readyTooOld({ ...n, allocated_to: '100-0000000001' }, 60, 1061_000)).toBe(false);
    expect(readyTooOld({ ...n, state: 'in-use' }, 60, 1061_000)).toBe(false);
  });
  it('hold expires at the smaller of hold_expiration and max-hold-age', () => {
    const held = node({ state: 'hold', state_time: 1000, hold_expiration: 100 });
    expect(holdLimit(held, Infinity)).toBe(100);
    expect(holdLimit(held, 50)).toBe(50);
    expect(holdLimit({ hold_expiration: null }, Infinity)).toBe(Infinity);
    expect(holdExpired(held, Infinity, 1100_000)).toBe(true);
    expect(holdExpired(held, Infinity, 1099_000)).toBe(false);
    expect(holdExpired({ ...held, hold_expiration: 0 }, Infinity, 9_999_999_000)).toBe(false);
    expect(holdExpired({ ...held, state: 'ready' }, 10, 9_999_999_000)).toBe(false);
  });
  it('a lost request deletes its init nodes and unallocates the rest', () => {
    expect(lostRequestNodeAction(node({ state: 'init', allocated_to: 'r' }), { id: 'r' })).toBe('delete');
    expect(lostRequestNodeAction(node({ state: 'ready', allocated_to: 'r' }), { id: 'r' })).toBe('deallocate');
    expect(lostRequestNodeAction(node({ state: 'ready', allocated_to: 'other' }), { id: 'r' })).toBe('none');
    expect(lostRequestNodeAction(null, { id: 'r' })).toBe('none');
  });
});

describe('decideNodeHealth', () => {
  const base = { labelConfigured: true, externalId: 'srv', server: { status: 'ready' as const, rawStatus: 'ACTIVE', fault: null }, reachable: { ok: true as const } };
  it('is alive when ACTIVE and reachable', () => expect(decideNodeHealth(base)).toEqual({ alive: true }));
  it('names why a node is dead', () => {
    expect(decideNodeHealth({ ...base, server: null })).toEqual({ alive: false, reason: 'server srv no longer exists in the cloud' });
    expect(decideNodeHealth({ ...base, server: { status: 'other', rawStatus: 'SHUTOFF', fault: null } })).toEqual({ alive: false, reason: 'server srv is SHUTOFF' });
    expect(decideNodeHealth({ ...base, reachable: { ok: false, how: 'ssh login', error: 'ECONNREFUSED' } }))
      .toEqual({ alive: false, reason: 'ssh login failed: ECONNREFUSED' });
    expect(decideNodeHealth({ ...base, labelConfigured: false }).alive).toBe(false);
  });
});

describe('ready-script commands and files', () => {
  const n = node({ id: '0000000042', interface_ip: '127.50.0.12', private_ipv4: '127.50.0.12', external_id: 'uuid-1', az: 'nova', cloud: 'sim', region: 'RegionOne' });
  it('writes the classic /etc/nodepool files for a single node', () => {
    const files = Object.fromEntries(nodepoolFiles(n, { name: 'p1', cloud: 'sim', regionName: null }, { private: 'PRIVATE', public: 'ssh-rsa AAAA c' })
      .map((f) => [f.name, f]));
    expect(Object.keys(files).sort()).toEqual(['id_rsa', 'id_rsa.pub', 'node', 'node_private', 'primary_node', 'primary_node_private', 'provider', 'role', 'sub_nodes', 'sub_nodes_private', 'uuid']);
    expect(files.role.content).toBe('primary\n');
    expect(files.node.content).toBe('127.50.0.12\n');
    expect(files.sub_nodes.content).toBe('');
    expect(files.provider.content).toBe('NODEPOOL_PROVIDER=p1\nNODEPOOL_CLOUD=sim\nNODEPOOL_REGION=RegionOne\nNODEPOOL_AZ=nova\n');
    expect(files.uuid.content).toBe('uuid-1\n');
    expect(files.id_rsa.mode).toBe(0o600);
  });
  it('runs the script from /opt/nodepool-scripts with the NODEPOOL_* variables, quoted', () => {
    const env = readyScriptEnv({ NODEPOOL_GREETING: "it's", PATH: '/bin', NODEPOOL_PROVIDER: 'daemon' }, n, { name: 'p1', cloud: 'sim', regionName: null });
    expect(env.NODEPOOL_GREETING).toBe("it's");
    expect(env.PATH).toBeUndefined();
    expect(env.NODEPOOL_PROVIDER).toBe('p1');
    expect(runScriptCommand('ready.sh', 'np0000000042', { NODEPOOL_B: 'x y', NODEPOOL_A: "it's" }))
      .toBe(`cd /opt/nodepool-scripts && NODEPOOL_A='it'\\''s' NODEPOOL_B='x y' ./ready.sh 'np0000000042'`);
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
    expect(installScriptCommand('ready.sh')).toContain(`f="$d"/'ready.sh'`);
  });
  it('refuses script names that could leave the scripts dir', () => {
    expect(scriptNameProblem('run_packstack.sh')).toBeNull();
    expect(scriptNameProblem('sub/ready.sh')).toBeNull();
    expect(scriptNameProblem('../../bin/sh')).toMatch(/not a plain relative file name/);
    expect(scriptNameProblem('/etc/passwd')).not.toBeNull();
    expect(scriptNameProblem('a; rm -rf /')).not.toBeNull();
  });
});
