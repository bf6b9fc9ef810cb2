// When a failed OpenStack call is tried again, as one visible table and a pure decision.
//
// | failure                               | methods retried           | attempts | backoff         | cap   |
// |---------------------------------------|---------------------------|----------|-----------------|-------|
// | connection error / timeout            | GET DELETE HEAD PUT (*)   | 4        | 0.5 s, x2       | 8 s   |
// | connection refused (nothing was sent) | all                       | 4        | 0.5 s, x2       | 8 s   |
// | 5xx                                   | GET DELETE HEAD PUT (*)   | 4        | 0.5 s, x2       | 8 s   |
// | 429, or 413 that is not a quota fault | all (refused unprocessed) | 6        | Retry-After, else 1 s x2 | 30 s |
// | 401                                   | all: re-authenticate once (session.ts), not here             |
// | anything else (4xx, quota)            | none                                                         |
//
// Every delay is jittered (jitterDelay): a backoff is shortened by up to half, a Retry-After
// lengthened by up to a fifth, so callers that failed together do not all retry together.
// (*) plus POSTs marked safe to repeat: Keystone token issue, os-getConsoleOutput.
// "attempts" counts the first try. A call whose body is a one-shot stream (an image upload)
// is never retried here: the uploader restarts the whole upload instead.

export interface RetryRule {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const RETRY_POLICY = {
  connection: { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 },
  serverError: { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 },
  throttled: { attempts: 6, baseDelayMs: 1_000, maxDelayMs: 30_000 },
} as const satisfies Record<string, RetryRule>;

export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'DELETE', 'HEAD', 'PUT']);

export type CallFailure =
  | { kind: 'connection'; refused: boolean }
  | { kind: 'timeout' }
  | { kind: 'status'; status: number; quota: boolean; retryAfterMs: number | null };

export interface RetryDecision {
  retry: boolean;
  delayMs: number;
  rule: keyof typeof RETRY_POLICY | null;
}

const NO_RETRY: RetryDecision = { retry: false, delayMs: 0, rule: null };

/**
 * `attempt` is the 1-based number of the try that just failed. `safeToRepeat` marks a POST that
 * has no side effect (issuing a token, reading console output) as idempotent.
 */
export function decideRetry(method: string, attempt: number, failure: CallFailure, retryable = true, safeToRepeat = false): RetryDecision {
  if (!retryable) return NO_RETRY;
  const idempotent = safeToRepeat || IDEMPOTENT_METHODS.has(method.toUpperCase());
  let rule: keyof typeof RETRY_POLICY;
  let hinted: number | null = null;
  if (failure.kind === 'connection') {
    if (!idempotent && !failure.refused) return NO_RETRY;
    rule = 'connection';
  } else if (failure.kind === 'timeout') {
    if (!idempotent) return NO_RETRY;
    rule = 'connection';
  } else if (failure.status === 429 || (failure.status === 413 && !failure.quota)) {
    rule = 'throttled';
    hinted = failure.retryAfterMs;
  } else if (failure.status >= 500) {
    if (!idempotent) return NO_RETRY;
    rule = 'serverError';
  } else {
    return NO_RETRY;
  }
  const r = RETRY_POLICY[rule];
  if (attempt >= r.attempts) return NO_RETRY;
  const backoff = r.baseDelayMs * 2 ** (attempt - 1);
  const delayMs = Math.min(hinted ?? backoff, r.maxDelayMs);
  return { retry: true, delayMs: Math.max(0, delayMs), rule };
}

/** Share of a backoff that jitter may take away, and of a server's hint it may add. */
export const JITTER = { backoffShare: 0.5, hintShare: 0.2 } as const;

/**
 * Pure: the delay actually slept. `random` is in [0, 1). A delay the server asked for
 * (Retry-After) is never shortened; our own backoff is.
 */
export function jitterDelay(delayMs: number, serverHinted: boolean, random: number): number {
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(serverHinted ? delayMs * (1 + JITTER.hintShare * r) : delayMs * (1 - JITTER.backoffShare * r));
}

/** Retry-After is either delta-seconds or an HTTP date; null when absent or unparseable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return null;
  const trimmed = v.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const when = Date.parse(trimmed);
  if (Number.isNaN(when)) return null;
  return Math.max(0, when - nowMs);
}
