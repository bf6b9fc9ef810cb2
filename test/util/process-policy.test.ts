// The daemons' policy for uncaught errors: log with the stack and exit non-zero, except the
// survivable ones listed in src/util/process-policy.ts.
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, it, expect } from 'vitest';
import { classifyFault, installProcessPolicy } from '../../src/util/process-policy.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

const sysErr = (code: string, syscall: string) => Object.assign(new Error(`${syscall} ${code}`), { code, syscall });

describe('process policy', () => {
  it('an unexpected rejection is logged with its stack and exits non-zero', async () => {
    const proc = new EventEmitter();
    const { logger, lines } = capture();
    const exits: number[] = [];
    installProcessPolicy('nodepool-launcher', logger, { proc, exit: (c) => exits.push(c) });
    const err = new TypeError('boom in a background task');
    proc.emit('unhandledRejection', err);
    await new Promise((r) => setImmediate(r));
    expect(exits).toHaveLength(1);
    expect(exits[0]).not.toBe(0);
    const line = lines.find((l) => l.kind === 'unhandledRejection')!;
    expect(line.level).toBe(60);
    expect(String(line.stack)).toContain('boom in a background task');
    expect(String(line.stack)).toContain('process-policy.test.ts');
  });

  it('an uncaught exception exits non-zero too, and a second one does not exit twice', () => {
    const proc = new EventEmitter();
    const exits: number[] = [];
    installProcessPolicy('nodepool-builder', capture().logger, { proc, exit: (c) => exits.push(c) });
    proc.emit('uncaughtException', new Error('first'));
    proc.emit('uncaughtException', 'a string');
    expect(exits).toEqual([70]);
  });

  it('known survivable errors are logged and the daemon carries on', () => {
    const proc = new EventEmitter();
    const { logger, lines } = capture();
    const exits: number[] = [];
    installProcessPolicy('nodepool-launcher', logger, { proc, exit: (c) => exits.push(c) });
    proc.emit('uncaughtException', sysErr('ECONNRESET', 'read'));
    proc.emit('uncaughtException', sysErr('EMFILE', 'accept'));
    proc.emit('unhandledRejection', Object.assign(new Error('stop'), { name: 'AbortError' }));
    expect(exits).toEqual([]);
    expect(lines.map((l) => l.rule)).toEqual(['peer-went-away', 'accept-out-of-descriptors', 'aborted']);
  });

  it('classifies by code and syscall, and survives hostile objects', () => {
    expect(classifyFault(sysErr('EMFILE', 'open')).survivable).toBe(false);
    expect(classifyFault(sysErr('EPIPE', 'write'))).toEqual({ survivable: true, rule: 'peer-went-away' });
    const hostile = { get code() { throw new Error('gotcha'); } };
    expect(classifyFault(hostile)).toEqual({ survivable: false });
    expect(classifyFault(null)).toEqual({ survivable: false });
  });

  it('uninstalling removes the listeners', () => {
    const proc = new EventEmitter();
    const remove = installProcessPolicy('x', capture().logger, { proc, exit: () => undefined });
    expect(proc.listenerCount('unhandledRejection')).toBe(1);
    remove();
    expect(proc.listenerCount('unhandledRejection')).toBe(0);
    expect(proc.listenerCount('uncaughtException')).toBe(0);
  });
});
