// Drives the provider's create/delete state machines: advance, and when a step made no
// progress, wait a poll delay. Deadlines turn into CloudTimeoutError.
import type { CloudProvider, CreateStateMachine, ServerInfo } from '../cloud/provider.ts';
import { CloudTimeoutError } from '../cloud/errors.ts';
import type { Clock } from '../util/clock.ts';
import { pollDelay } from './wake-signal.ts';

export interface DriveOptions {
  clock: Clock;
  deadlineMs: number;
  signal?: AbortSignal;
  /** Called once when the server id becomes known (to record it before waiting for boot). */
  onExternalId?: (externalId: string) => Promise<void>;
  timeoutMessage?: string;
  /** First poll interval (ms); see pollDelay. */
  pollMs?: number;
}

export async function driveCreate(sm: CreateStateMachine, options: DriveOptions): Promise<ServerInfo> {
  const { clock, deadlineMs, signal } = options;
  let polls = 0;
  let reportedId = false;
  for (;;) {
    signal?.throwIfAborted();
    const before = sm.state;
    const server = await sm.advance();
    if (!reportedId && sm.externalId && options.onExternalId) {
      reportedId = true;
      await options.onExternalId(sm.externalId);
    }
    if (server) return server;
    if (clock.now() >= deadlineMs) {
      throw new CloudTimeoutError(options.timeoutMessage ?? `timed out in state "${sm.state}"`);
    }
    // A step that moved the machine on is followed at once; waiting only when nothing changed.
    if (sm.state === before) await clock.sleep(pollDelay(polls++, options.pollMs), signal);
  }
}

/** Deletes a server and waits until it is gone. */
export async function deleteServerAndWait(provider: CloudProvider, externalId: string, options: DriveOptions): Promise<void> {
  const { clock, deadlineMs, signal } = options;
  const sm = provider.deleteServer(externalId);
  let polls = 0;
  while (!sm.complete) {
    signal?.throwIfAborted();
    const before = sm.state;
    await sm.advance();
    if (sm.complete) break;
    if (clock.now() >= deadlineMs) throw new CloudTimeoutError(options.timeoutMessage ?? `delete of ${externalId} timed out in "${sm.state}"`);
    if (sm.state === before) await clock.sleep(pollDelay(polls++, options.pollMs), signal);
  }
}

/** Waits for an adopted server (found by name after a crash) to leave BUILD. */
export async function waitForActive(provider: CloudProvider, externalId: string, options: DriveOptions): Promise<ServerInfo> {
  const { clock, deadlineMs, signal } = options;
  let polls = 0;
  for (;;) {
    signal?.throwIfAborted();
    const server = await provider.getServer(externalId);
    if (server && server.status === 'ACTIVE') return server;
    if (!server || server.status === 'ERROR' || server.status === 'DELETED') {
      throw new Error(`adopted server ${externalId} is ${server?.status ?? 'gone'}${server?.fault ? `: ${server.fault}` : ''}`);
    }
    if (clock.now() >= deadlineMs) throw new CloudTimeoutError(options.timeoutMessage ?? `server ${externalId} did not become ACTIVE`);
    await clock.sleep(pollDelay(polls++, options.pollMs), signal);
  }
}
