import { describe, it, expect } from 'vitest';
import { chooseFormat } from '../../src/web/negotiate.ts';

describe('chooseFormat (upstream: first of text/html, text/plain, application/json)', () => {
  it.each([
    [undefined, 'pretty'],
    ['*/*', 'pretty'],
    ['application/json', 'json'],
    ['application/*', 'json'],
    ['text/*', 'pretty'],
    ['application/json, text/plain', 'pretty'],
    ['text/plain;q=0.2, application/json', 'json'],
    ['application/json;q=0, */*', 'pretty'],
    ['image/png', 'pretty'],
    ['garbage', 'pretty'],
  ] as const)('%s → %s', (accept, expected) => {
    expect(chooseFormat(accept)).toBe(expected);
  });
});
