// The plain-subset reader must give exactly what the `yaml` package (YAML 1.1) gives, and give
// up on whatever it is not sure of; it must never accept a file `yaml` rejects.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { fastParseYaml } from '../../src/config/fast-yaml.ts';
import { mutate, prng } from './mutate.ts';

const dir = join(import.meta.dirname, '../fixtures/config');
const full = (text: string) => {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true, merge: true });
  return { errors: doc.errors.length, value: doc.toJS() };
};

const agreeing = [
  'a: 1\nb: -2\nc: +3\nd: 0\ne: 1.5\nf: 22.04\ng: .5\nh: 10.\n',
  'host: 127.0.0.1\nversion: 1.2.3\nname: ubuntu-22.04\nurl: http://127.0.0.1:5000/v3\n',
  'a: yes\nb: no\nc: on\nd: off\ne: true\nf: False\ng: ~\nh: null\ni:\nj: y\nk: n\n',
  "a: 'single ''quoted'' # not a comment'\nb: \"double\"\nc: '%(NODEPOOL_PORT)'\nd: '*/15 * * * *'\n",
  'a: value # a comment\n# full line\nb: x#y\n',
  'list:\n- a\n- b\nmap:\n  k: v\n',
  'list:\n  - a\n  -   b\n  -\n    nested: 1\n  - - x\n',
  'labels:\n  - name: small\n    min-ready: 1\n  -   name: big\n      max-ready-age: 3\n',
  'elements: [vm, growroot, "dhcp-all-interfaces"]\nenv: {A: "1", B: two, C: 3}\nempty: []\nnone: {}\n',
  'flow: [a, b,]\nq: [\'a, b\', c]\n',
  '---\na: 1\n',
  '\ufeffa: 1\r\nb: [x]\r\n',
  '# only a comment\n',
  '  indented: top\n  level: 2\n',
  'a: 007\nb: 0x1F\nc: 1:30\nd: 2001-12-14\ne: 1e3\nf: .inf\ng: 1_000\n',
  'a: &x 1\nb: *x\n<<: {c: 2}\n',
  'script: |\n  line one\n  line two\nfolded: >\n  a\n  b\n',
  'a: plain\n  continued\n',
  "a: 'multi\n  line'\n",
  'a: "esc\\tape"\n',
  'k: [a, [b]]\n',
  '? complex\n: key\n',
  'a: !!str 1\n',
  'yes: 1\n',
  'a: b: c\n',
];

const rejectedByYaml = [
  'a: 1\na: 2\n',
  'a:\n  - x\n   y: 1\n',
  'a:\n\t- x\n',
  'a: [x, y\nb: 1\n',
  'labels:\n  - name: small\n     min-ready: 1\n',
  'a: 1\n  b: 2\n',
  'a: {x: 1, x: 2}\n',
];

describe('fast YAML subset reader', () => {
  it.each(agreeing)('agrees with yaml 1.1 or gives up: %j', (text) => {
    const fast = fastParseYaml(text);
    if (fast !== undefined) expect(fast).toEqual(full(text).value);
  });

  it.each(rejectedByYaml)('never accepts what yaml rejects: %j', (text) => {
    expect(full(text).errors).toBeGreaterThan(0);
    expect(fastParseYaml(text)).toBeUndefined();
  });

  it('reads most fixtures itself, each exactly as yaml does', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    let fastCount = 0;
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      const fast = fastParseYaml(text);
      if (fast === undefined) continue;
      const reference = full(text);
      fastCount++;
      expect(reference.errors, f).toBe(0);
      expect(fast, f).toEqual(reference.value);
    }
    expect(fastCount).toBeGreaterThan(files.length * 0.7);
  });

  it('agrees with yaml on 3,000 mutated fixtures whenever it does not give up', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    const rand = prng(20261123);
    let taken = 0;
    for (let i = 0; i < 3000; i++) {
      const text = mutate(readFileSync(join(dir, files[i % files.length]), 'utf8'), rand);
      const fast = fastParseYaml(text);
      if (fast === undefined) continue;
      taken++;
      const reference = full(text);
      expect(reference.errors, text).toBe(0);
      expect(fast, text).toEqual(reference.value);
    }
    expect(taken).toBeGreaterThan(500);
  });

  it('handles the plain shapes the examples use', () => {
    expect(fastParseYaml('a: 1\nb: [x]\n')).toEqual({ a: 1, b: ['x'] });
    expect(fastParseYaml('list:\n- a\n- b\n')).toEqual({ list: ['a', 'b'] });
    expect(fastParseYaml('host: 127.0.0.1\n')).toEqual({ host: '127.0.0.1' });
    // Gives up on anchors, block scalars and octal rather than guess.
    expect(fastParseYaml('a: &x 1\n')).toBeUndefined();
    expect(fastParseYaml('a: |\n  x\n')).toBeUndefined();
    expect(fastParseYaml('a: 0755\n')).toBeUndefined();
  });
});
