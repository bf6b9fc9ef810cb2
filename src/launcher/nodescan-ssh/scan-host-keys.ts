// Gathers a freshly booted node's SSH host keys (upstream keyscans once the server is ACTIVE):
// one ssh2 connection per host key algorithm, capturing the key the server offers in hostVerifier
// and refusing it, so no login is ever attempted. Retried until the node answers or time runs out.
import { connect as netConnect } from 'node:net';
import ssh2 from 'ssh2';
import type { ScanHostKeys } from '../worker-contracts.ts';
import type { Clock } from '../../util/clock.ts';

const { Client, utils } = ssh2;

/** Algorithms asked for, in the order keys are reported. rsa-sha2-512 carries an ssh-rsa key. */
export const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512'] as const;
type HostKeyAlgorithm = (typeof HOST_KEY_ALGORITHMS)[number];

/** Upstream gives each connection attempt 10 s. */
const ATTEMPT_TIMEOUT_MS = 10_000;
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

/** "type base64" for a host key blob as sent by the server; null if it cannot be parsed. */
export function formatHostKey(blob: Buffer): string | null {
  const parsed = utils.parseKey(blob);
  if (parsed instanceof Error) return null;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return `${key.type} ${blob.toString('base64')}`;
}

interface ProbeResult {
  key: string | null;
  /** Why no key came back (connection refused, timeout, algorithm not offered...). */
  error: string | null;
}

/** One connection asking only for `algorithm`; resolves with the key or the reason there is none. */
function probe(host: string, port: number, algorithm: HostKeyAlgorithm, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const client = new Client();
    // Our own socket, so it is certainly destroyed: ssh2 leaves half-closed ones open.
    const socket = netConnect({ host, port });
    socket.on('error', () => undefined);
    let key: string | null = null;
    let settled = false;
    const finish = (error: string | null) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.destroy();
      socket.destroy();
      resolve({ key, error: key ? null : error });
    };
    const onAbort = () => finish('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    client.on('error', (err) => finish(err.message));
    client.on('close', () => finish('connection closed'));
    client.on('ready', () => finish('unexpectedly logged in'));
    try {
      client.connect({
        sock: socket,
        // ssh2 insists on a user name; authentication is never reached.
        username: 'nodepool-keyscan',
        readyTimeout: Math.max(1, timeoutMs),
        algorithms: { serverHostKey: [algorithm] },
        hostVerifier: (blob: Buffer) => {
          key = formatHostKey(blob);
          // Refusing ends the handshake here: we only wanted the key.
          return false;
        },
      });
    } catch (err) {
      finish(String(err));
    }
  });
}

/** Keys from one pass over every algorithm (concurrently), and the reasons for the misses. */
async function scanOnce(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<{ keys: string[]; errors: string[] }> {
  const results = await Promise.all(HOST_KEY_ALGORITHMS.map((alg) => probe(host, port, alg, timeoutMs, signal)));
  return {
    keys: results.flatMap((r) => (r.key ? [r.key] : [])),
    errors: results.flatMap((r) => (r.error ? [r.error] : [])),
  };
}

/**
 * A scanner that retries until at least one host key comes back, then returns every key that
 * did; it throws when nothing answers within timeoutMs, or with the signal's reason when it
 * aborts. The deadline and the waits between attempts are on the injected clock; each attempt's
 * own socket timeout is real time (a real network call).
 */
export function hostKeyScanner(clock: Clock): ScanHostKeys {
  return async (host, port, timeoutMs, signal) => {
    const deadline = clock.now() + timeoutMs;
    let delay = FIRST_RETRY_MS;
    let lastErrors: string[] = [];
    for (;;) {
      signal.throwIfAborted();
      const left = deadline - clock.now();
      if (left <= 0) break;
      const { keys, errors } = await scanOnce(host, port, Math.min(left, ATTEMPT_TIMEOUT_MS), signal);
      signal.throwIfAborted();
      if (keys.length > 0) return keys;
      lastErrors = errors;
      const wait = Math.min(delay, deadline - clock.now());
      if (wait <= 0) break;
      await clock.sleep(wait, signal);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
    const why = [...new Set(lastErrors)].join('; ') || 'no answer';
    throw new Error(`no SSH host keys from ${host}:${port} within ${timeoutMs} ms (${why})`);
  };
}
