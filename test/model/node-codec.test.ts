import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeNode, encodeNode } from '../../src/model/node.ts';
import { RecordDecodeError } from '../../src/model/errors.ts';
import { newNode } from '../../src/model/factories.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('Node codec', () => {
  it('decodes the reference example field for field', () => {
    const node = decodeNode('0000000042', Buffer.from(fixture('reference-node.json')));
    expect(node).toMatchObject({
      id: '0000000042', state: 'ready', state_time: 1726589000.123, cloud: 'mycloud',
      provider: 'mycloud-region1', pool: 'main', type: ['ubuntu-jammy'], allocated_to: '200-0000012345',
      az: 'nova', region: 'RegionOne', public_ipv4: '203.0.113.10', private_ipv4: '10.0.0.5',
      public_ipv6: null, host_id: 'b1c2...', interface_ip: '203.0.113.10', connection_port: 22,
      created_time: 1726588800.5, external_id: '6f3f6c7e-2c1f-4c55-9d1f-2a7c1f1b8e2a',
      host_keys: ['ssh-ed25519 AAAAC3...', 'ssh-rsa AAAAB3...'], username: 'zuul',
      connection_type: 'ssh', hold_expiration: null, resources: { cores: 8, instances: 1, ram: 8192 },
      slot: null, attributes: { 'executor-zone': 'east' }, python_path: 'auto', tenant_name: 'openstack',
      driver_data: null, requestor: '5a9a...systemid', extra: {},
    });
  });

  it('encodes the reference example byte for byte (upstream key order, Python separators)', () => {
    const text = fixture('reference-node.json');
    // The doc wraps the one-line JSON after ", "; undo only the wrapping.
    const expected = text.trimEnd().replace(/\n /g, ' ');
    expect(encodeNode(decodeNode('1', Buffer.from(text))).toString('utf8')).toBe(expected);
  });

  it('encodes a node upstream wrote exactly as upstream serialises it (947 bytes in the capture)', () => {
    const expected = fixture('observed-node-0000000000.upstream-bytes.json');
    // The capture printed the znode with sorted keys; decoding that and encoding again must give
    // upstream's own bytes, key order included.
    const fromCapture = encodeNode(decodeNode('0000000000', Buffer.from(fixture('observed-node-0000000000.json'))));
    expect(fromCapture.toString('utf8')).toBe(expected);
    expect(fromCapture.length).toBe(947);
    expect(JSON.parse(expected)).toEqual(JSON.parse(fixture('observed-node-0000000000.json')));
  });

  it('keeps keys it does not own (Zuul\'s "id") and writes them back last', () => {
    const zuulWrote = JSON.parse(fixture('reference-node.json'));
    zuulWrote.id = '0000000042';
    zuulWrote.future_field = { a: 1 };
    const node = decodeNode('0000000042', Buffer.from(JSON.stringify(zuulWrote)));
    expect(node.extra).toEqual({ id: '0000000042', future_field: { a: 1 } });
    node.state = 'used';
    const written = encodeNode(node).toString('utf8');
    expect(written.endsWith('"requestor": "5a9a...systemid", "id": "0000000042", "future_field": {"a": 1}}')).toBe(true);
  });

  it('applies upstream read defaults', () => {
    const node = decodeNode('7', Buffer.from('{"state": "ready", "ssh_port": 2022, "type": "small"}'));
    expect(node.username).toBe('zuul');
    expect(node.connection_port).toBe(2022);
    expect(node.host_keys).toEqual([]);
    expect(node.type).toEqual(['small']);
    expect(decodeNode('7', Buffer.from('{"state": "ready"}')).connection_port).toBe(22);
  });

  it('coerces hold_expiration to an int and bad values to 0', () => {
    const hold = (v: string) => decodeNode('1', Buffer.from(`{"state": "hold", "hold_expiration": ${v}}`)).hold_expiration;
    expect(hold('86400')).toBe(86400);
    expect(hold('"3600"')).toBe(3600);
    expect(hold('12.9')).toBe(12);
    expect(hold('"soon"')).toBe(0);
    expect(hold('null')).toBeNull();
  });

  it('throws a typed error naming the path for invalid JSON, non-objects and bad states', () => {
    const attempt = (data: string) => () => decodeNode('5', Buffer.from(data), { path: '/nodepool/nodes/5' });
    for (const bad of ['{not json', '[1, 2]', '"text"', '', '{"state": "sleeping"}', '{"state": "ready", "type": {"a": 1}}']) {
      expect(attempt(bad)).toThrow(RecordDecodeError);
    }
    try {
      attempt('{not json')();
    } catch (err) {
      expect((err as RecordDecodeError).path).toBe('/nodepool/nodes/5');
      expect((err as RecordDecodeError).reason).toMatch(/invalid JSON/);
    }
  });

  it('newNode fills upstream defaults and writes every key', () => {
    const node = { id: '0000000001', ...newNode({ state: 'building', provider: 'p', type: ['small'] }, 1_726_589_000_000) };
    const dict = JSON.parse(encodeNode(node).toString('utf8'));
    expect(Object.keys(dict)).toHaveLength(36);
    expect(dict).toMatchObject({ state: 'building', state_time: 1726589000, created_time: 1726589000, ssh_port: 22, username: 'zuul' });
    expect(encodeNode(node).toString('utf8')).toContain('"state_time": 1726589000.0');
  });
});
