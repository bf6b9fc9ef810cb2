// The daemons' root logger from their command line: `-l FILE` (a Python logging config) decides
// levels and destinations; otherwise JSON on stdout, debug with -d (as upstream's -d without -l).
import { pino } from 'pino';
import { createLogger, REDACT_PATHS, type Logger } from './logger.ts';
import { readLogConfig, type LogStreamPlan } from './logging-config.ts';

const LEVEL_ORDER = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

function destination(s: LogStreamPlan): pino.DestinationStream {
  if (s.target.kind === 'stdout') return pino.destination(1);
  if (s.target.kind === 'stderr') return pino.destination(2);
  // Synchronous open: a missing directory or a permission problem fails start-up with its path.
  return pino.destination({ dest: s.target.path, append: true, sync: true });
}

export interface DaemonLogging {
  logger: Logger;
  /** Lines for the log once it exists (what in the -l file was not reproduced). */
  warnings: string[];
}

export function createDaemonLogger(name: string, args: { debug?: boolean; logconfig?: string }): DaemonLogging {
  if (!args.logconfig) return { logger: createLogger(name, { level: args.debug ? 'debug' : undefined }), warnings: [] };
  const plan = readLogConfig(args.logconfig);
  const lowest = plan.streams.map((s) => s.level).sort((a, b) => LEVEL_ORDER.indexOf(a) - LEVEL_ORDER.indexOf(b))[0];
  const streams = plan.streams.map((s) => ({ level: s.level as pino.Level, stream: destination(s) }));
  const logger = pino(
    { name, level: lowest, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.multistream(streams),
  );
  return { logger, warnings: plan.warnings };
}

/** createDaemonLogger, or null after one clear stderr line when the -l file cannot be used. */
export function openDaemonLogger(name: string, args: { debug?: boolean; logconfig?: string }): DaemonLogging | null {
  try {
    return createDaemonLogger(name, args);
  } catch (err) {
    process.stderr.write(`${name}: cannot use logging config ${args.logconfig}: ${(err as Error).message}\n`);
    return null;
  }
}
