// What a daemon does with an error nobody caught: an unhandled rejection or an uncaught
// exception is logged with its stack and the process exits non-zero, so systemd
// (Restart=on-failure) starts a clean one; a half-broken daemon holding locks is worse than a
// restart. The few errors known to be survivable are listed here, in this one place.
import type { Logger } from './logger.ts';

export interface SurvivableRule {
  /** Short name, logged with the error. */
  name: string;
  /** Why surviving it is safe. */
  why: string;
  matches(err: unknown): boolean;
}

const codeOf = (err: unknown): string | undefined =>
  err !== null && typeof err === 'object' ? (err as { code?: unknown }).code as string | undefined : undefined;
const syscallOf = (err: unknown): string | undefined =>
  err !== null && typeof err === 'object' ? (err as { syscall?: unknown }).syscall as string | undefined : undefined;

const PEER_GONE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The errors a daemon logs and carries on from. Everything else ends the process. */
export const SURVIVABLE_ERRORS: readonly SurvivableRule[] = [
  {
    name: 'peer-went-away',
    why: 'a socket whose peer reset or vanished (an HTTP client, a node, a cloud): only that connection is lost',
    matches: (err) => PEER_GONE.has(codeOf(err) ?? '') && ['read', 'write', 'writev', 'connect', undefined].includes(syscallOf(err)),
  },
  {
    name: 'accept-out-of-descriptors',
    why: 'EMFILE/ENFILE while accepting a connection: the listener retries once descriptors are free',
    matches: (err) => ['EMFILE', 'ENFILE'].includes(codeOf(err) ?? '') && syscallOf(err) === 'accept',
  },
  {
    name: 'aborted',
    why: 'an operation cancelled on purpose (shutdown, a deadline) that a caller stopped waiting for',
    matches: (err) => err instanceof Error && err.name === 'AbortError',
  },
];

export type FaultVerdict = { survivable: true; rule: string } | { survivable: false };

/** Pure: whether an uncaught error may be survived, and by which rule. */
export function classifyFault(err: unknown, rules: readonly SurvivableRule[] = SURVIVABLE_ERRORS): FaultVerdict {
  for (const rule of rules) {
    try {
      if (rule.matches(err)) return { survivable: true, rule: rule.name };
    } catch {
      // A hostile object (a throwing getter) matches nothing.
    }
  }
  return { survivable: false };
}

function describe(err: unknown): { message: string; stack?: string } {
  if (err instanceof Error) return { message: err.message, stack: err.stack };
  try {
    return { message: `non-Error value thrown: ${String(err)}` };
  } catch {
    return { message: 'non-Error value thrown (not printable)' };
  }
}

export interface ProcessLike {
  on(event: 'unhandledRejection' | 'uncaughtException', listener: (err: unknown) => void): unknown;
  off(event: 'unhandledRejection' | 'uncaughtException', listener: (err: unknown) => void): unknown;
}

export interface ProcessPolicyOptions {
  /** Defaults to the real process. */
  proc?: ProcessLike;
  /** Defaults to process.exit; called once, after the log line is flushed. */
  exit?: (code: number) => void;
}

/** Installs the policy; returns a function that removes it (tests). */
export function installProcessPolicy(daemon: string, logger: Logger, options: ProcessPolicyOptions = {}): () => void {
  const proc: ProcessLike = options.proc ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let exiting = false;
  const handle = (kind: 'unhandledRejection' | 'uncaughtException') => (err: unknown) => {
    const verdict = classifyFault(err);
    const { message, stack } = describe(err);
    if (verdict.survivable) {
      logger.warn({ kind, rule: verdict.rule, err: message, stack }, `${daemon}: survivable ${kind}, carrying on`);
      return;
    }
    logger.fatal({ kind, err: message, stack }, `${daemon}: unexpected ${kind}; exiting for the service manager to restart`);
    if (exiting) return;
    exiting = true;
    // pino writes synchronously to fd 1 by default; flush covers an async destination.
    try {
      logger.flush();
    } catch {
      // nothing more to do
    }
    exit(70); // EX_SOFTWARE
  };
  const onRejection = handle('unhandledRejection');
  const onException = handle('uncaughtException');
  proc.on('unhandledRejection', onRejection);
  proc.on('uncaughtException', onException);
  return () => {
    proc.off('unhandledRejection', onRejection);
    proc.off('uncaughtException', onException);
  };
}
