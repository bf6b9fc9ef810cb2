// Our own record (not upstream's): why a pool has not served a request, for `nodepool why`.
import type { RequestExplanation } from './types.ts';
import { FieldReader, parseRecord } from './fields.ts';
import { asFloat, pyJsonBytes } from './py-json.ts';

export function encodeExplanation(explanation: RequestExplanation): Buffer {
  return pyJsonBytes({
    request_id: explanation.request_id,
    pool_id: explanation.pool_id,
    provider: explanation.provider,
    pool: explanation.pool,
    reason: explanation.reason,
    time: asFloat(explanation.time),
  });
}

export function decodeExplanation(data: Buffer | Uint8Array | string, path: string): RequestExplanation {
  const f = new FieldReader(parseRecord(data, path), path);
  return {
    request_id: f.string('request_id', ''),
    pool_id: f.string('pool_id', ''),
    provider: f.string('provider', ''),
    pool: f.string('pool', ''),
    reason: f.string('reason', ''),
    time: f.number('time', 0),
  };
}
