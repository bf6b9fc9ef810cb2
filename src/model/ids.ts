// Ids ZooKeeper hands out: 10-digit sequence suffixes, and request ids `<PPP>-<seq10>` whose
// 3-digit prefix is the priority (lower sorts first).
import type { NodeRequest } from './types.ts';

const SEQUENCE = /^\d{10}$/;
const REQUEST_ID = /^(\d{3})-(\d{10})$/;

export function formatSequence(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 9_999_999_999) throw new RangeError(`not a sequence number: ${n}`);
  return String(n).padStart(10, '0');
}

export function isSequenceId(id: string): boolean {
  return SEQUENCE.test(id);
}

/** The number in a `<seq10>` id, or null when it is not one. */
export function parseSequence(id: string): number | null {
  return SEQUENCE.test(id) ? Number(id) : null;
}

/** Upstream formats the priority as '{:0>3}': "100", "200", "900"; 5 becomes "005". */
export function formatPriority(priority: string | number): string {
  const text = String(priority);
  if (!/^\d{1,3}$/.test(text)) throw new RangeError(`request priority must be 1-3 digits: ${text}`);
  return text.padStart(3, '0');
}

export interface RequestIdParts {
  priority: string;
  sequence: string;
}

export function parseRequestId(id: string): RequestIdParts | null {
  const match = REQUEST_ID.exec(id);
  return match ? { priority: match[1], sequence: match[2] } : null;
}

/** Zuul's test (`isNodeRequestID`): a request id has '-' as its 4th character. */
export function isRequestId(id: string): boolean {
  return id.length > 4 && id[3] === '-';
}

/**
 * Upstream's NodeRequest.priority ordering: precedence prefix, then relative_priority, then
 * submission sequence. Negative when `a` should be served first.
 */
export function compareRequestPriority(
  a: Pick<NodeRequest, 'id' | 'relative_priority'>,
  b: Pick<NodeRequest, 'id' | 'relative_priority'>,
): number {
  const [precedenceA, sequenceA = ''] = a.id.split('-');
  const [precedenceB, sequenceB = ''] = b.id.split('-');
  if (precedenceA !== precedenceB) return precedenceA < precedenceB ? -1 : 1;
  if (a.relative_priority !== b.relative_priority) return a.relative_priority - b.relative_priority;
  if (sequenceA !== sequenceB) return sequenceA < sequenceB ? -1 : 1;
  return 0;
}
