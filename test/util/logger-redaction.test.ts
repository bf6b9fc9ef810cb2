import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/util/logger.ts';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { lines, stream };
}

describe('logger redaction', () => {
  it('never writes secrets, at any of the depths daemons log them', () => {
    const { lines, stream } = capture();
    const log = createLogger('test', { destination: stream as never });
    log.info({ cloud: { auth: { password: 'pw-1', applicationCredentialSecret: 'sec-2' } } }, 'cloud');
    log.info({ request: { headers: { 'x-auth-token': 'tok-3' } } }, 'http');
    log.info({ label: { privateKey: '/k', private_key: 'BEGIN-4' }, token: 'tok-5' }, 'node');
    const out = lines.join('');
    for (const secret of ['pw-1', 'sec-2', 'tok-3', 'BEGIN-4', 'tok-5']) expect(out).not.toContain(secret);
    expect(out.match(/\[redacted\]/g)?.length).toBe(6);
  });
});
