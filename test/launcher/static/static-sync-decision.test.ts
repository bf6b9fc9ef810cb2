// The static driver's pure registration decision: slots per host, re-registration of used
// nodes, de-registration of removed or dead hosts, in-place updates, restart re-sync.
import { describe, expect, it } from 'vitest';
import { newNode } from '../../../src/model/factories.ts';
import type { Node } from '../../../src/model/types.ts';
import type { StaticNodeConfig } from '../../../src/config/static-model.ts';
import { decideStaticSync, hostsToCheck, type ConfiguredHost } from '../../../src/launcher/static/static-sync-decision.ts';
import type { HostCheckResult } from '../../../src/launcher/static/host-check.ts';

function host(name: string, extra: Partial<StaticNodeConfig> = {}): ConfiguredHost {
  return {
    pool: 'main',
    attributes: {},
    host: {
      name, labels: ['metal'], username: 'zuul', timeout: 5, hostKeyChecking: true, hostKeys: [],
      connectionType: 'ssh', connectionPort: 22, shellType: null, pythonPath: 'auto', maxParallelJobs: 1, ...extra,
    },
  };
}

let seq = 0;
function node(h: ConfiguredHost, fields: Partial<Node> = {}): Node {
  seq++;
  return {
    ...newNode({
      state: 'ready', provider: 'rack', pool: h.pool, type: [...h.host.labels], hostname: h.host.name,
      interface_ip: h.host.name, username: h.host.username, connection_port: h.host.connectionPort,
      connection_type: h.host.connectionType, python_path: h.host.pythonPath, shell_type: h.host.shellType,
      host_keys: ['ssh-ed25519 AAAA'], attributes: {}, slot: 0, launcher: 'static driver',
    }, 1000),
    id: String(seq).padStart(10, '0'),
    ...fields,
  };
}

const ok = (keys = ['ssh-ed25519 AAAA']): HostCheckResult => ({ ok: true, hostKeys: keys });
const down: HostCheckResult = { ok: false, reason: 'a:22: SSH host key scan failed (ECONNREFUSED)' };
const checks = (entries: [ConfiguredHost, HostCheckResult][]) =>
  new Map(entries.map(([h, r]) => [`${h.host.username}@${h.host.name}:${h.host.connectionPort}`, r]));
const kinds = (actions: ReturnType<typeof decideStaticSync>) =>
  actions.map((a) => `${a.kind}:${'slot' in a ? `${a.target.host.name}#${a.slot}` : 'nodeId' in a ? a.nodeId : a.target.host.name}`);

describe('decideStaticSync', () => {
  it('registers one READY node per slot of a reachable host, none for an unreachable one', () => {
    const a = host('a', { maxParallelJobs: 2 });
    const b = host('b');
    const actions = decideStaticSync({ hosts: [a, b], nodes: [], checks: checks([[a, ok()], [b, down]]) });
    expect(kinds(actions)).toEqual(['register:a#0', 'register:a#1', 'unavailable:b']);
    expect(actions[0]).toMatchObject({ hostKeys: ['ssh-ed25519 AAAA'] });
  });

  it('registers nothing for a host it did not check', () => {
    expect(decideStaticSync({ hosts: [host('a')], nodes: [], checks: new Map() })).toEqual([]);
  });

  it('re-syncs after a restart without duplicates: registered slots are kept, only gaps filled', () => {
    const a = host('a', { maxParallelJobs: 3 });
    const nodes = [node(a, { slot: 0 }), node(a, { slot: 2, state: 'in-use', allocated_to: 'r1' })];
    expect(kinds(decideStaticSync({ hosts: [a], nodes, checks: checks([[a, ok()]]) }))).toEqual(['register:a#1']);
  });

  it('places nodes without a slot (written by an older launcher) in free slots', () => {
    const a = host('a', { maxParallelJobs: 2 });
    const nodes = [node(a, { slot: null }), node(a, { slot: null })];
    expect(decideStaticSync({ hosts: [a], nodes, checks: checks([[a, ok()]]) })).toEqual([]);
  });

  it('removes a used node and keeps its slot until it is gone (the host is never handed out twice)', () => {
    const a = host('a');
    const used = node(a, { state: 'used', allocated_to: 'r1' });
    const first = decideStaticSync({ hosts: [a], nodes: [used], checks: checks([[a, ok()]]) });
    expect(kinds(first)).toEqual([`remove:${used.id}`]);
    // Next round, with the used node gone: the slot is registered again, same host.
    const second = decideStaticSync({ hosts: [a], nodes: [], checks: checks([[a, ok()]]) });
    expect(kinds(second)).toEqual(['register:a#0']);
  });

  it('de-registers an idle node of a host removed from the config, and waits for one that is in use', () => {
    const a = host('a');
    const gone = host('gone');
    const idle = node(gone);
    const busy = node(gone, { state: 'in-use', allocated_to: 'r9' });
    const actions = decideStaticSync({ hosts: [a], nodes: [idle, busy, node(a)], checks: new Map() });
    expect(actions).toEqual([{ kind: 'deregister', nodeId: idle.id, reason: 'host removed from the config' }]);
    // Once its job is done it is removed and not registered again.
    const used = { ...busy, state: 'used' as const };
    expect(kinds(decideStaticSync({ hosts: [a], nodes: [used, node(a)], checks: new Map() }))).toEqual([`remove:${used.id}`]);
  });

  it('de-registers idle nodes beyond a lowered max-parallel-jobs', () => {
    const a = host('a', { maxParallelJobs: 1 });
    const keep = node(a, { slot: 0 });
    const extra = node(a, { slot: 1 });
    expect(decideStaticSync({ hosts: [a], nodes: [keep, extra], checks: new Map() }))
      .toEqual([{ kind: 'deregister', nodeId: extra.id, reason: 'more nodes than max-parallel-jobs' }]);
  });

  it('de-registers an idle node whose host failed its check, never one held by a job', () => {
    const a = host('a', { maxParallelJobs: 2 });
    const idle = node(a, { slot: 0 });
    const held = node(a, { slot: 1, allocated_to: 'r1' });
    const actions = decideStaticSync({ hosts: [a], nodes: [idle, held], checks: checks([[a, down]]) });
    expect(actions).toEqual([{ kind: 'deregister', nodeId: idle.id, reason: down.ok ? '' : down.reason }]);
  });

  it('updates an idle node in place when its host changed in the config', () => {
    const before = host('a');
    const n = node(before);
    const after = host('a', { labels: ['metal', 'gpu'], pythonPath: '/usr/bin/python3' });
    expect(decideStaticSync({ hosts: [after], nodes: [n], checks: new Map() }))
      .toEqual([{ kind: 'update', nodeId: n.id, target: after, hostKeys: null }]);
    // New host keys from a scan count as a change too; an unchanged host is left alone.
    expect(kinds(decideStaticSync({ hosts: [before], nodes: [n], checks: checks([[before, ok(['ssh-ed25519 BBBB'])]]) }))).toEqual([`update:${n.id}`]);
    expect(decideStaticSync({ hosts: [before], nodes: [n], checks: checks([[before, ok()]]) })).toEqual([]);
  });

  it('tells hosts apart by name, username and port', () => {
    const a = host('a');
    const b = host('a', { username: 'other' });
    const c = host('a', { connectionPort: 2222 });
    const actions = decideStaticSync({ hosts: [a, b, c], nodes: [node(a)], checks: checks([[a, ok()], [b, ok()], [c, ok()]]) });
    expect(kinds(actions)).toEqual(['register:a#0', 'register:a#0']);
    expect(actions.map((x) => 'target' in x && x.target)).toEqual([b, c]);
  });

  it('removes leftover deleting znodes (nothing to delete anywhere)', () => {
    const a = host('a');
    const leftover = node(a, { state: 'deleting' });
    expect(kinds(decideStaticSync({ hosts: [a], nodes: [leftover, node(a)], checks: new Map() }))).toEqual([`remove:${leftover.id}`]);
  });
});

describe('hostsToCheck', () => {
  it('checks hosts with a free or freeing slot, and idle ones only when liveness is due', () => {
    const full = host('full');
    const free = host('free');
    const freeing = host('freeing');
    const busy = host('busy');
    const nodes = [node(full), node(freeing, { state: 'used' }), node(busy, { state: 'in-use', allocated_to: 'r' })];
    const hosts = [full, free, freeing, busy];
    expect(hostsToCheck({ hosts, nodes }, false).map((h) => h.host.name)).toEqual(['free', 'freeing']);
    expect(hostsToCheck({ hosts, nodes }, true).map((h) => h.host.name)).toEqual(['full', 'free', 'freeing']);
  });
});
