// Which upstream launch result (nodepool.launch.<result>) a failed attempt counts under.
import { CloudTimeoutError, ServerStatusError } from '../cloud/errors.ts';
import type { LaunchResult } from '../stats/launcher-metrics.ts';

/** Errors that already know their result (a failed step of the launch). */
export interface HasLaunchResult { readonly result: LaunchResult }

export function launchResultOf(err: unknown): LaunchResult {
  if (err && typeof err === 'object' && 'result' in err && typeof (err as HasLaunchResult).result === 'string') return (err as HasLaunchResult).result;
  // Upstream: a server in ERROR raises LaunchStatusException, counted as error.status.
  if (err instanceof ServerStatusError) return 'error.status';
  if (err instanceof CloudTimeoutError) return 'error.servercreatetimeout';
  return 'error.unknown';
}
