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

export interface DaemonSignals {
  /** True from the moment a stop signal arrives. */
  readonly stopping: boolean;
  /** Resolves with the process exit code once a stop signal has been handled. */
  readonly exitCode: Promise<number>;
}

/**
 * Installs the SIGTERM/SIGINT/SIGHUP handlers now. Call it before starting anything, so a stop
 * that arrives while the daemon is still starting (ZooKeeper down, a cloud slow) runs the
 * shutdown steps instead of Node's default action; the steps must cope with parts not built yet.
 */
export function installDaemonSignals(options: LifecycleOptions): DaemonSignals {
  const { logger } = options;
  let stopping = false;
  let resolve!: (code: number) => void;
  const exitCode = new Promise<number>((r) => (resolve = r));
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
  return {
    get stopping() {
      return stopping;
    },
    exitCode,
  };
}

/** Resolves with the process exit code once a stop signal has been handled (handlers installed now). */
export function runUntilStopped(options: LifecycleOptions): Promise<number> {
  return installDaemonSignals(options).exitCode;
}

/**
 * Runs a daemon's start-up under installed signal handlers and gives the exit code: a stop's
 * (also one that lands during start-up), or start-up's own early one (non-null). A start-up that
 * fails because the stop tore it down is not a crash.
 */
export async function startThenRun(signals: DaemonSignals, startup: () => Promise<number | null>): Promise<number> {
  const stopped = signals.exitCode.then((code) => ({ code }));
  try {
    const first = await Promise.race([startup().then((code) => ({ code })), stopped]);
    if (first.code !== null) return first.code;
  } catch (err) {
    if (!signals.stopping) throw err;
  }
  return signals.exitCode;
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
