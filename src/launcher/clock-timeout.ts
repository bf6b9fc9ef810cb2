// A deadline as an AbortSignal on the injected clock (AbortSignal.timeout runs on the wall
// clock, which tests cannot advance). clear() drops the pending wait once the work is done.
import type { Clock } from '../util/clock.ts';

export class DeadlineExceededError extends Error {}

export function clockTimeout(clock: Clock, ms: number, parent?: AbortSignal): { signal: AbortSignal; clear(): void } {
  const deadline = new AbortController();
  const cancelWait = new AbortController();
  clock.sleep(Math.max(0, ms), cancelWait.signal).then(
    () => deadline.abort(new DeadlineExceededError(`deadline of ${ms} ms exceeded`)),
    () => undefined,
  );
  const signal = parent ? AbortSignal.any([parent, deadline.signal]) : deadline.signal;
  return { signal, clear: () => cancelWait.abort() };
}
