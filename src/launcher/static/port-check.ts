// Does a host's port accept a TCP connection within the timeout? For static hosts reached
// other than by SSH (winrm, kubectl), which upstream checks by connecting only.
import { connect } from 'node:net';

export function checkPortOpen(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const socket = connect({ host, port });
    const done = (err: Error | null) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err); else resolve();
    };
    const onAbort = () => done(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    // The socket's own timer: real time for a real network call.
    socket.setTimeout(timeoutMs, () => done(new Error(`no answer within ${timeoutMs} ms`)));
    socket.once('connect', () => done(null));
    socket.once('error', (err) => done(err));
  });
}
