// How the daemons end: SIGTERM/SIGINT run the shutdown steps in order (each step's failure is
// swallowed so the rest still run), SIGHUP asks for a reload; the promise gives the exit code.
import type { Logger } from './logger.ts';

export interface LifecycleOptions {
  logger: Logger;
  /** In order; e.g. stop watching config, stop the work, close connections. */
  shutdownSteps: (() => Promise<unknown>)[];
  onReload: () => void;
  /** Past this, give up on a graceful stop and exit 1 (the service manager escalates). */
  stopDeadlineMs?: number;
}

/** Resolves with the process exit code once a stop signal has been handled. */
export function runUntilStopped(options: LifecycleOptions): Promise<number> {
  const { logger } = options;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string): Promise<void> => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      const deadline = options.stopDeadlineMs === undefined ? undefined : setTimeout(() => {
        logger.error('graceful stop did not finish in time');
        resolve(1);
      }, options.stopDeadlineMs);
      for (const step of options.shutdownSteps) await step().catch((err: unknown) => logger.warn({ err: String(err) }, 'shutdown step failed'));
      clearTimeout(deadline);
      resolve(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGHUP', () => options.onReload());
  });
}

/** The daemons' entry: exit with main's code, or print the crash and exit 1. */
export function exitWith(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${name}: ${(err as Error)?.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
