import { describe, expect, it } from 'vitest';
import {
  compareRequestPriority, formatPriority, formatSequence, isRequestId, isSequenceId, parseRequestId, parseSequence,
} from '../../src/model/ids.ts';

describe('ids', () => {
  it('formats and parses 10-digit sequences', () => {
    expect(formatSequence(42)).toBe('0000000042');
    expect(parseSequence('0000000042')).toBe(42);
    expect(parseSequence('42')).toBeNull();
    expect(isSequenceId('lock')).toBe(false);
    expect(() => formatSequence(-1)).toThrow(RangeError);
  });

  it('parses request ids and pads priorities like upstream', () => {
    expect(parseRequestId('200-0000012345')).toEqual({ priority: '200', sequence: '0000012345' });
    expect(parseRequestId('0000012345')).toBeNull();
    expect(formatPriority(5)).toBe('005');
    expect(formatPriority('900')).toBe('900');
    expect(() => formatPriority('1000')).toThrow(RangeError);
    expect(isRequestId('100-0000000001')).toBe(true);
    expect(isRequestId('0000000001')).toBe(false);
  });

  it('orders by precedence, then relative priority, then sequence', () => {
    const requests = [
      { id: '200-0000000001', relative_priority: 0 },
      { id: '100-0000000009', relative_priority: 5 },
      { id: '100-0000000010', relative_priority: 0 },
      { id: '100-0000000003', relative_priority: 5 },
      { id: '300-0000000000', relative_priority: -1 },
    ];
    expect([...requests].sort(compareRequestPriority).map((r) => r.id)).toEqual([
      '100-0000000010', '100-0000000003', '100-0000000009', '200-0000000001', '300-0000000000',
    ]);
  });
});
