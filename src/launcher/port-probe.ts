// Waits until a TCP port accepts a connection: for connection types whose host keys are not
// gathered (winrm), which must still answer within boot-timeout before the node is ready.
import { connect } from 'node:net';
import type { Clock } from '../util/clock.ts';

function tryConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function waitForPort(host: string, port: number, timeoutMs: number, clock: Clock, signal?: AbortSignal): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  let delay = 50;
  for (;;) {
    signal?.throwIfAborted();
    const left = deadline - clock.now();
    if (left <= 0) throw new Error(`port ${host}:${port} did not answer within ${timeoutMs} ms`);
    if (await tryConnect(host, port, Math.min(left, 10_000))) return;
    await clock.sleep(Math.min(delay, Math.max(1, deadline - clock.now())), signal);
    delay = Math.min(delay * 2, 1000);
  }
}
