// Values and defaults as upstream's code reads them (nodepool/config.py,
// nodepool/driver/openstack/config.py): what it accepts, and what an accepted value means.
import { describe, expect, it } from 'vitest';
import { validateConfigText } from '../../src/config/load.ts';
import { pythonStr } from '../../src/config/python-str.ts';
import { PyTimestamp } from '../../src/config/yaml/pyyaml-scalars.ts';

const read = (text: string) => {
  const r = validateConfigText({ file: '/x/nodepool.yaml', text, env: {}, files: () => null });
  expect(r.errors).toEqual([]);
  return r.config!;
};

const provider = (extra: string, labelExtra = '') => `
labels:
  - name: small
providers:
  - name: lab
    cloud: lab
${extra}
    cloud-images:
      - name: img
    pools:
      - name: main
        labels:
          - name: small
            cloud-image: img
            min-ram: 512
${labelExtra}
`;

describe('values upstream accepts', () => {
  it('rate 0 (no rate limit) and launch-retries 0', () => {
    const p = read(provider('    rate: 0\n    launch-retries: 0')).providers[0];
    expect(p.rate).toBe(0);
    expect(p.launchRetries).toBe(0);
  });

  it('a negative or zero max-hold-age means no limit', () => {
    expect(read('max-hold-age: -1\n').maxHoldAge).toBe(Infinity);
    expect(read('max-hold-age: 0\n').maxHoldAge).toBe(Infinity);
    expect(read('max-hold-age: 3600\n').maxHoldAge).toBe(3600);
  });

  it('min-ready below -1 is kept (no min-ready requests, as for 0 and -1)', () => {
    expect(read('labels:\n  - name: x\n    min-ready: -5\n').labels[0].minReady).toBe(-5);
  });

  it('booleans and nested values in meta and instance-properties become Python str() of them', () => {
    const c = read(provider(
      '    diskimages:\n      - name: d\n        meta: {public: yes, n: 3, f: 0.5, nested: {a: [1, "x"]}, none: ~}',
      '            instance-properties: {ci: true, when: 2024-01-02, big: 1.0e+20}',
    ).replace('labels:\n  - name: small', 'diskimages:\n  - name: d\nlabels:\n  - name: small'));
    expect(c.providers[0].diskimages[0].meta).toEqual({ public: 'True', n: '3', f: '0.5', nested: "{'a': [1, 'x']}", none: 'None' });
    expect(c.providers[0].pools[0].labels[0].instanceProperties).toEqual({ ci: 'True', when: '2024-01-02', big: '1e+20' });
  });

  it('a cloud-image username is unset unless given', () => {
    expect(read(provider('')).providers[0].cloudImages[0].username).toBeNull();
  });
});

describe('diskimage inheritance as setFromConfig', () => {
  const images = (text: string) => read(`diskimages:\n${text}`).diskimages;

  it("a child's metadata replaces its parent's", () => {
    const [, child] = images('  - name: base\n    metadata: {a: "1", b: "2"}\n  - name: child\n    parent: base\n    metadata: {c: "3"}\n');
    expect(child.metadata).toEqual({ c: '3' });
  });

  it('a child without metadata keeps its parent\'s', () => {
    const [, child] = images('  - name: base\n    metadata: {a: "1"}\n  - name: child\n    parent: base\n');
    expect(child.metadata).toEqual({ a: '1' });
  });

  it('a paused parent stays paused when the child says pause: false', () => {
    const [, child] = images('  - name: base\n    pause: true\n  - name: child\n    parent: base\n    pause: false\n');
    expect(child.pause).toBe(true);
  });

  it('rebuild-age: 0 and build-timeout: 0 mean the default (or the parent\'s value)', () => {
    const [base, child] = images([
      '  - name: base\n    rebuild-age: 0\n    build-timeout: 0',
      '  - name: child\n    parent: base\n    rebuild-age: 0\n    build-timeout: 0',
    ].join('\n') + '\n');
    expect([base.rebuildAge, base.buildTimeout]).toEqual([86400, 28800]);
    expect([child.rebuildAge, child.buildTimeout]).toEqual([86400, 28800]);
    const [, child2] = images('  - name: base\n    rebuild-age: 600\n  - name: child\n    parent: base\n    rebuild-age: 0\n');
    expect(child2.rebuildAge).toBe(600);
  });
});

describe('pythonStr', () => {
  it('formats as Python does', () => {
    expect([true, false, null, 12, 0.1, 1e-5, 1e16, 123456.5, NaN, -Infinity, 'x'].map(pythonStr))
      .toEqual(['True', 'False', 'None', '12', '0.1', '1e-05', '1e+16', '123456.5', 'nan', '-inf', 'x']);
    expect(pythonStr(["it's", { k: new PyTimestamp(2001, 2, 3) }])).toBe(`["it's", {'k': datetime.date(2001, 2, 3)}]`);
    expect(pythonStr(new PyTimestamp(2001, 2, 3, { hour: 4, minute: 5, second: 6, microsecond: 0, utcOffsetMinutes: 0 }))).toBe('2001-02-03 04:05:06+00:00');
  });
});

describe('keys that are not strings', () => {
  it('are an error at the key, whatever YAML read them as', () => {
    const r = validateConfigText({ file: '/x/nodepool.yaml', text: 'labels:\n  - name: x\n    yes: 1\n    2: b\n', env: {}, files: () => null });
    expect(r.config).toBeNull();
    expect(r.errors.map((e) => [e.line, e.col, e.path, e.message])).toEqual([
      [3, 5, 'labels[0]', 'a key YAML reads as the boolean true (expected a string key; quote it)'],
      [4, 5, 'labels[0]', 'a key YAML reads as the number 2 (expected a string key; quote it)'],
    ]);
  });
});
