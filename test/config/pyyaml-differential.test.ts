// Our YAML reader against the reference: Debian's python3-yaml (PyYAML, what upstream Nodepool
// reads its files with) loads every document of the corpus with yaml.safe_load in one python
// process; our reader (YamlSource, as the config loader uses it) must give identical values,
// and fail where PyYAML fails. Ints and floats are told apart, as are NaN, inf and -0.0.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PyTimestamp } from '../../src/config/yaml/pyyaml-scalars.ts';
import { YamlSource } from '../../src/config/yaml-source.ts';
import { corpus } from './pyyaml-corpus.ts';

class Float {
  readonly value: number;
  constructor(value: number) { this.value = value; }
}

type Encoded = unknown;

/** Our value in the oracle's encoding. */
function encode(v: unknown): Encoded {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return { $int: v.toString() };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`a number that is not an int and not marked as float: ${v}`);
    return { $int: String(v) };
  }
  if (v instanceof Float) {
    const x = v.value;
    if (Number.isNaN(x)) return { $float: 'nan' };
    if (!Number.isFinite(x)) return { $float: x > 0 ? 'inf' : '-inf' };
    if (Object.is(x, -0)) return { $float: '-0' };
    return { $float: x };
  }
  if (v instanceof PyTimestamp) return v.time ? { $datetime: v.isoformat() } : { $date: v.isoformat() };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map(encode);
  if (v instanceof Map) return { $map: [...v].map(([k, x]) => [encode(k), encode(x)]) };
  if (v instanceof Set) return { $set: [...v].map(encode) };
  if (typeof v === 'object') return { $map: Object.keys(v).map((k) => [k, encode((v as Record<string, unknown>)[k])]) };
  throw new Error(`cannot encode ${typeof v}`);
}

/** Order-free form of mappings and sets (Python's dict and set equality ignore order). */
function canonical(v: Encoded): Encoded {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('$map' in o) {
      const pairs = (o.$map as [Encoded, Encoded][]).map(([k, x]) => [canonical(k), canonical(x)] as const);
      return { $map: pairs.sort((a, b) => cmp(JSON.stringify(a[0]), JSON.stringify(b[0]))) };
    }
    if ('$set' in o) return { $set: (o.$set as Encoded[]).map(canonical).sort((a, b) => cmp(JSON.stringify(a), JSON.stringify(b))) };
  }
  return v;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface OracleResult { value?: Encoded; error?: string; message?: string }

function runPyYaml(texts: string[]): { version: string; results: OracleResult[] } {
  const run = spawnSync('python3', [join(import.meta.dirname, 'pyyaml-oracle.py')], {
    input: JSON.stringify(texts),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`python3 with PyYAML failed (is python3-yaml installed?): ${run.stderr}`);
  const parsed = JSON.parse(run.stdout) as { pyyaml: string; results: OracleResult[] };
  return { version: parsed.pyyaml, results: parsed.results };
}

function ours(text: string): { value?: Encoded; error?: string } {
  const source = new YamlSource('/corpus.yaml', text, { float: (x) => new Float(x) });
  const problems = source.syntaxProblems();
  if (problems.length > 0) return { error: problems.map((p) => `${p.line}:${p.col}: ${p.message}`).join('; ') };
  return { value: canonical(encode(source.toJS().value)) };
}

describe('YAML as PyYAML reads it', () => {
  const docs = corpus();
  const oracle = runPyYaml(docs.map((d) => d.text));

  it('has a corpus of at least 300 documents and PyYAML read them all', () => {
    expect(docs.length).toBeGreaterThanOrEqual(300);
    expect(oracle.results).toHaveLength(docs.length);
    expect(oracle.version).toMatch(/^\d+\./);
  });

  it('gives identical values, and fails where PyYAML fails', () => {
    const mismatches: string[] = [];
    let values = 0;
    let errors = 0;
    docs.forEach((doc, i) => {
      const expected = oracle.results[i];
      const got = ours(doc.text);
      if (doc.differs === 'error-here') {
        if (expected.error !== undefined || got.error === undefined) {
          mismatches.push(`${doc.name}: expected PyYAML to read it and us to refuse it; PyYAML ${expected.error ?? 'read it'}, we ${got.error ?? 'read it'}`);
        }
        return;
      }
      if (doc.differs === 'yaml-refuses') {
        if (expected.error !== undefined || got.error === undefined) {
          mismatches.push(`${doc.name}: listed as a known difference (PyYAML reads it, the yaml package refuses it) but PyYAML ${expected.error ?? 'read it'}, we ${got.error ?? 'read it'}`);
        }
        return;
      }
      if (expected.error !== undefined) {
        errors++;
        if (got.error === undefined) mismatches.push(`${doc.name}: PyYAML fails (${expected.error}: ${expected.message}), we read ${JSON.stringify(got.value)}`);
        return;
      }
      values++;
      if (got.error !== undefined) {
        mismatches.push(`${doc.name}: PyYAML reads ${JSON.stringify(canonical(expected.value))}, we fail: ${got.error}`);
      } else if (JSON.stringify(got.value) !== JSON.stringify(canonical(expected.value))) {
        mismatches.push(`${doc.name}: PyYAML ${JSON.stringify(canonical(expected.value))}, we ${JSON.stringify(got.value)}`);
      }
    });
    expect(mismatches).toEqual([]);
    // Both kinds of documents are really exercised.
    expect(values).toBeGreaterThan(250);
    expect(errors).toBeGreaterThan(20);
  });
});
