// Bad input gives problems, never an exception: every fixture, mutated many ways.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfigText } from '../../src/config/load.ts';
import { mutate, prng } from './mutate.ts';

const dir = join(import.meta.dirname, '../fixtures/config');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('robustness', () => {
  it.each(fixtures)('%s: 40 mutations never throw and every problem has a position', (name) => {
    const text = readFileSync(join(dir, name), 'utf8');
    const rand = prng(name.length * 7919 + text.length);
    for (let i = 0; i < 40; i++) {
      const mutated = mutate(text, rand);
      const result = validateConfigText({ file: join(dir, name), text: mutated, env: {}, files: () => null });
      if (result.config === null) expect(result.errors.length, mutated).toBeGreaterThan(0);
      for (const p of [...result.errors, ...result.warnings]) {
        expect(p.line, mutated).toBeGreaterThan(0);
        expect(p.col, mutated).toBeGreaterThan(0);
        expect(p.message.length).toBeGreaterThan(0);
      }
    }
  });
});
