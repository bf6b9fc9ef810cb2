// The CLI's logger is built only when something uses it, and then behaves as the real one.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { lazyLogger } from '../../src/cli/cli-logger.ts';
import { createLogger } from '../../src/util/logger.ts';

function capture(): { lines: Record<string, unknown>[]; make: () => ReturnType<typeof createLogger>; built: () => number } {
  const lines: Record<string, unknown>[] = [];
  let built = 0;
  const make = () => {
    built++;
    return createLogger('nodepool', { level: 'warn', destination: { write: (l: string) => void lines.push(JSON.parse(l)) } as pino.DestinationStream });
  };
  return { lines, make, built: () => built };
}

describe('lazyLogger', () => {
  it('builds nothing until used, then one logger with redaction, levels and children', () => {
    const c = capture();
    const logger = lazyLogger(c.make);
    expect(c.built()).toBe(0);
    logger.warn({ path: '/nodepool/nodes/1', password: 'hunter2' }, 'skipping undecodable record');
    logger.info('below the level');
    logger.child({ component: 'x' }).error('from a child');
    expect(c.built()).toBe(1);
    expect(c.lines.map((l) => [l.msg, l.password ?? null, l.component ?? null])).toEqual([
      ['skipping undecodable record', '[redacted]', null],
      ['from a child', null, 'x'],
    ]);
    expect(logger.isLevelEnabled('warn')).toBe(true);
    logger.level = 'info';
    logger.info('now shown');
    expect(c.lines.at(-1)!.msg).toBe('now shown');
    expect(c.built()).toBe(1);
  });
});
