import { describe, it, expect } from 'vitest';
import { sortRequests, parseRequestId } from '../../src/launcher/request-order.ts';
import { request } from './config-fixtures.ts';

describe('request order', () => {
  it('parses ids', () => {
    expect(parseRequestId('200-0000000042')).toEqual({ prefix: '200', sequence: '0000000042' });
  });
  it('sorts by labels lacked, prefix, relative priority, sequence', () => {
    const reqs = [
      request('900-0000000001'),
      request('200-0000000005', { relative_priority: 1 }),
      request('200-0000000009'),
      request('100-0000000010', { node_types: ['gpu'] }),
      request('200-0000000007'),
      request('100-0000000011'),
    ];
    expect(sortRequests(reqs, new Set(['small'])).map((r) => r.id)).toEqual([
      '100-0000000011', '200-0000000007', '200-0000000009', '200-0000000005', '900-0000000001', '100-0000000010',
    ]);
  });
});
