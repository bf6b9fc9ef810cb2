// The CLI's logger (pino on stderr), built on first use: loading pino and compiling its
// redaction costs ~20 ms of CPU, and a listing over healthy records logs nothing at the
// default level (warn). Where the logger module cannot be loaded synchronously (running from
// TypeScript source, or a Node without require() of ES modules) it is built up front instead.
import { createRequire } from 'node:module';
import type { Logger } from '../util/logger.ts';

type LoggerModule = typeof import('../util/logger.ts');

export async function createCliLogger(debug: boolean): Promise<Logger> {
  const level = debug ? 'debug' : 'warn';
  const compiled = import.meta.url.endsWith('.js');
  if (debug || !compiled || !process.features.require_module) {
    return build(await import('../util/logger.ts'), (await import('pino')).pino, level);
  }
  const require = createRequire(import.meta.url);
  return lazyLogger(() => build(require('../util/logger.js') as LoggerModule, (require('pino') as typeof import('pino')).pino, level));
}

function build(mod: LoggerModule, pino: typeof import('pino').pino, level: string): Logger {
  return mod.createLogger('nodepool', { level, destination: pino.destination(2) });
}

/** A stand-in that builds the real logger the first time anything on it is used. */
export function lazyLogger(make: () => Logger): Logger {
  let real: Logger | undefined;
  const target = (): Logger => (real ??= make());
  return new Proxy({} as Logger, {
    get(_stub, key) {
      const logger = target();
      const value: unknown = Reflect.get(logger, key, logger);
      return typeof value === 'function' ? value.bind(logger) : value;
    },
    set: (_stub, key, value) => Reflect.set(target(), key, value),
    has: (_stub, key) => Reflect.has(target(), key),
  });
}
