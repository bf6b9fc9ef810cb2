import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PyFloat, pyFloatRepr, pyJsonDumps } from '../../src/model/py-json.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('pyFloatRepr', () => {
  it('matches CPython repr() for every sampled float', () => {
    const samples = JSON.parse(fixture('python-float-repr.json')) as string[];
    expect(samples.length).toBeGreaterThan(600);
    const mismatches = samples.filter((repr) => pyFloatRepr(Number(repr)) !== repr);
    expect(mismatches).toEqual([]);
  });

  it('writes integral timestamps with a trailing .0', () => {
    expect(pyFloatRepr(1726589001)).toBe('1726589001.0');
    expect(pyFloatRepr(1e16)).toBe('1e+16');
    expect(pyFloatRepr(0.00001)).toBe('1e-05');
    expect(pyFloatRepr(-0)).toBe('-0.0');
  });
});

describe('pyJsonDumps', () => {
  it('escapes like json.dumps with ensure_ascii', () => {
    const text = fixture('python-ensure-ascii.json');
    expect(pyJsonDumps(JSON.parse(text))).toBe(text);
  });

  it('uses Python separators, ints for integral numbers and floats only where marked', () => {
    expect(pyJsonDumps({ a: [1, 2.5, true, null], b: {}, c: [], d: new PyFloat(3) })).toBe(
      '{"a": [1, 2.5, true, null], "b": {}, "c": [], "d": 3.0}',
    );
  });

  it('sorts keys by code point when asked', () => {
    expect(pyJsonDumps({ b: 1, a: { z: 1, y: 2 }, B: 0 }, { sortKeys: true })).toBe(
      '{"B": 0, "a": {"y": 2, "z": 1}, "b": 1}',
    );
  });
});
