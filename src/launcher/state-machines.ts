// Drives a driver's launch/delete state machines: advance, and when a step made no progress,
// wait a poll delay on the injected clock. Deadlines turn into CloudTimeoutError.
import { CloudTimeoutError } from '../cloud/errors.ts';
import type { Clock } from '../util/clock.ts';
import type { DeleteStateMachine, InstanceInfo, LaunchStateMachine, NodeDriver } from './driver/driver.ts';
import { pollDelay } from './wake-signal.ts';

export interface DriveOptions {
  clock: Clock;
  deadlineMs: number;
  signal?: AbortSignal;
  /** Called once when the instance id becomes known, before the next step (to record it). */
  onExternalId?: (externalId: string) => Promise<void>;
  timeoutMessage?: string;
  /** First poll interval (ms); see pollDelay. */
  pollMs?: number;
}

export async function runLaunch(sm: LaunchStateMachine, options: DriveOptions): Promise<InstanceInfo> {
  const { clock, deadlineMs, signal } = options;
  let polls = 0;
  let reportedId = false;
  for (;;) {
    signal?.throwIfAborted();
    const before = sm.state;
    const instance = await sm.advance();
    if (!reportedId && sm.externalId && options.onExternalId) {
      reportedId = true;
      await options.onExternalId(sm.externalId);
    }
    if (instance) return instance;
    if (clock.now() >= deadlineMs) {
      throw new CloudTimeoutError(options.timeoutMessage ?? `timed out in state "${sm.state}"`);
    }
    // A step that moved the machine on is followed at once; waiting only when nothing changed.
    if (sm.state === before) await clock.sleep(pollDelay(polls++, options.pollMs), signal);
  }
}

/** Runs a delete state machine until the instance is gone. */
export async function runDelete(sm: DeleteStateMachine, options: DriveOptions): Promise<void> {
  const { clock, deadlineMs, signal } = options;
  let polls = 0;
  while (!sm.complete) {
    signal?.throwIfAborted();
    const before = sm.state;
    await sm.advance();
    if (sm.complete) break;
    if (clock.now() >= deadlineMs) throw new CloudTimeoutError(options.timeoutMessage ?? `delete timed out in "${sm.state}"`);
    if (sm.state === before) await clock.sleep(pollDelay(polls++, options.pollMs), signal);
  }
}

/** Waits for an adopted instance (a launch resumed after a crash) to become ready. */
export async function waitForReady(driver: NodeDriver, externalId: string, options: DriveOptions): Promise<InstanceInfo> {
  const { clock, deadlineMs, signal } = options;
  let polls = 0;
  for (;;) {
    signal?.throwIfAborted();
    const instance = await driver.getInstance(externalId);
    if (instance && instance.status === 'ready') return instance;
    if (!instance || instance.status !== 'building') {
      throw new Error(`adopted server ${externalId} is ${instance?.rawStatus ?? 'gone'}${instance?.fault ? `: ${instance.fault}` : ''}`);
    }
    if (clock.now() >= deadlineMs) throw new CloudTimeoutError(options.timeoutMessage ?? `server ${externalId} did not become ACTIVE`);
    await clock.sleep(pollDelay(polls++, options.pollMs), signal);
  }
}
