// Records written by someone else must fail to decode with a RecordDecodeError (the store then
// skips, counts and lists them) and never throw anything else or write back invalid JSON.
import { describe, expect, it } from 'vitest';
import {
  decodeNode, decodeRequest, decodeImageBuild, decodeImageUpload, decodeComponent, encodeNode,
  RecordDecodeError, pyJsonDumps, PyFloat,
} from '../../src/model/index.ts';
import { MAX_RECORD_DEPTH } from '../../src/model/fields.ts';

const decoders: [string, (data: string) => unknown][] = [
  ['node', (d) => decodeNode('0000000001', d)],
  ['request', (d) => decodeRequest('100-0000000001', d)],
  ['build', (d) => decodeImageBuild('0000000001', d, { image: 'fake' })],
  ['upload', (d) => decodeImageUpload('0000000001', d, { image: 'fake', build_id: '0000000001', provider: 'p' })],
  ['component', (d) => decodeComponent('pool', d)],
];

function nested(depth: number): string {
  return '{"state": "ready", "user_data": ' + '['.repeat(depth) + ']'.repeat(depth) + '}';
}

const hostile: [string, string][] = [
  ['crafted toString in state', '{"state": {"toString": 1}}'],
  ['crafted valueOf in state', '{"state": {"valueOf": 1, "toString": 2}}'],
  ['__proto__ as state', '{"state": {"__proto__": {"toString": 1}}}'],
  ['deep nesting', nested(MAX_RECORD_DEPTH + 10)],
  ['very deep nesting', nested(100_000)],
  ['huge number', '{"state": "ready", "state_time": 1e400}'],
  ['huge negative number', '{"state": "ready", "priority": -1e400, "relative_priority": -1e400}'],
  ['300-digit number', `{"state": "ready", "state_time": ${'9'.repeat(400)}}`],
  ['unknown state', '{"state": "frozen-by-a-newer-version"}'],
  ['array', '[1, 2]'],
  ['string', '"ready"'],
  ['invalid JSON', '{"state": '],
];

describe('hostile record data', () => {
  for (const [kind, decode] of decoders) {
    // A component's state is kept verbatim (no decision reads it); see record-codecs.test.ts.
    const cases = kind === 'component' ? hostile.filter(([name]) => name !== 'unknown state') : hostile;
    it.each(cases)(`${kind}: %s is a RecordDecodeError`, (_name, data) => {
      expect(() => decode(data)).toThrow(RecordDecodeError);
    });
  }

  it('an unknown state names the value without running its code', () => {
    expect(() => decodeNode('1', '{"state": {"toString": 1}}')).toThrow(/field "state": a object is not one of/);
    expect(() => decodeNode('1', '{"state": "frozen"}')).toThrow(/"frozen" is not one of/);
  });

  it('a __proto__ key is kept as data, not as a prototype, and written back', () => {
    const node = decodeNode('1', '{"state": "ready", "__proto__": {"polluted": true}, "x": 1}');
    expect(Object.getPrototypeOf(node.extra)).toBe(Object.prototype);
    expect((node.extra as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(node.extra!)).toEqual(['__proto__', 'x']);
    expect(encodeNode(node).toString()).toContain('"__proto__": {"polluted": true}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('huge numbers are refused at decode, and the encoder never writes Infinity', () => {
    expect(() => decodeNode('1', '{"state": "ready", "comment": "x", "attributes": {"a": [1e999]}}')).toThrow(RecordDecodeError);
    expect(decodeNode('1', '{"state": "ready", "state_time": 1e300}').state_time).toBe(1e300);
    expect(decodeNode('1', '{"state": "ready", "comment": "1e400 in a string is fine"}').comment).toBe('1e400 in a string is fine');
    expect(() => pyJsonDumps({ a: Infinity })).toThrow(RangeError);
    expect(() => pyJsonDumps(new PyFloat(NaN))).toThrow(RangeError);
  });

  it('nesting up to the limit is read', () => {
    expect(decodeNode('1', nested(MAX_RECORD_DEPTH - 1)).state).toBe('ready');
  });

  it('many brackets at shallow depth are read (the bracket count is only a shortcut)', () => {
    const wide = `{"state": "ready", "attributes": {"list": [${'{"a": [1]},'.repeat(MAX_RECORD_DEPTH)}{}]}}`;
    expect(decodeNode('1', wide).state).toBe('ready');
    expect(() => decodeNode('1', `{"state": "ready", "attributes": {"list": [${'{"a": [1]},'.repeat(MAX_RECORD_DEPTH)}{"b": 1e999}]}}`))
      .toThrow(RecordDecodeError);
  });

  it('a build format that is not an image type is refused (it becomes a file suffix)', () => {
    expect(() => decodeImageBuild('1', '{"state": "ready", "formats": "qcow2,d/../../x"}', { image: 'fake' }))
      .toThrow(/not a disk image format/);
    expect(() => decodeImageBuild('1', '{"state": "ready", "formats": "qcow2,.."}', { image: 'fake' })).toThrow(RecordDecodeError);
    expect(decodeImageBuild('1', '{"state": "ready", "formats": "qcow2,raw,vhd"}', { image: 'fake' }).formats).toEqual(['qcow2', 'raw', 'vhd']);
  });
});
