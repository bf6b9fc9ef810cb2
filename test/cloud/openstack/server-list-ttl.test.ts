import { describe, expect, it } from 'vitest';
import { defaultServerListTtlMs } from '../../../src/cloud/openstack/provider.ts';

describe('server list lifetime', () => {
  it('follows the provider rate, never below 100 ms', () => {
    expect(defaultServerListTtlMs(1)).toBe(1000);
    expect(defaultServerListTtlMs(2.5)).toBe(2500);
    expect(defaultServerListTtlMs(0.0001)).toBe(100);
    expect(defaultServerListTtlMs(0)).toBe(100);
  });
});
