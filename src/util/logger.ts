import { pino, type Logger } from 'pino';

export type { Logger };

// Every key that may hold a secret, wherever it appears in a logged object.
const SECRET_KEYS = [
  'password',
  'secret',
  'token',
  'private_key',
  'privateKey',
  'application_credential_secret',
  'applicationCredentialSecret',
];
// pino's redaction matches fixed depths: cover each secret key up to four levels down
// (e.g. a CloudConfig logged inside another object). Config objects should still be logged
// through src/config's redactConfig, which knows every secret field.
export const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]),
  'headers["x-auth-token"]',
  'headers["x-subject-token"]',
  '*.headers["x-auth-token"]',
  '*.headers["x-subject-token"]',
];

export interface LoggerOptions {
  level?: string;
  /** Write to this file descriptor / destination instead of stdout. */
  destination?: pino.DestinationStream;
}

/** The root logger; subsystems take `child({ component })` from it. */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.NODEPOOL_LOG_LEVEL ?? 'info';
  return pino(
    {
      name,
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination(1),
  );
}

/** A logger that drops everything (tests, CLI library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
