// The host key scanner against the simulator's real SSH endpoints: the keys match the
// simulator's own host keys; a port that never answers times out; an abort stops the scan at
// once. Deadlines and retry waits are on a ManualClock the test drives (sockets are real).
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/cloud/sim/server.ts';
import { hostKeyScanner } from '../../../src/launcher/nodescan-ssh/scan-host-keys.ts';
import { ManualClock } from '../../../src/util/clock.ts';
import { ClockDriver } from '../../harness/clock-driver.ts';
import { waitFor } from '../../helpers/wait.ts';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

describe('hostKeyScanner', () => {
  let sim: RunningSimulator;
  let target: { host: string; port: number };

  beforeAll(async () => {
    sim = await startSimulator({ config: { buildDelayMs: 0 } });
    const server = await sim.admin.injectServer({ name: 'np0000000001' });
    const ready = await waitFor(async () => (await sim.admin.listServers()).find((s) => s.id === server.id && s.sshPort), { message: 'SSH endpoint' });
    target = { host: ready.sshHost!, port: ready.sshPort! };
  });
  afterAll(async () => { await sim?.close(); });

  /** A scanner on its own clock, and a driver that moves that clock between real attempts. */
  function scanner() {
    const clock = new ManualClock();
    return { clock, scan: hostKeyScanner(clock), driver: new ClockDriver({ clock, busy: () => 0, maxStepMs: 50 }) };
  }

  it('returns the simulator host keys, ed25519, ecdsa and rsa, from the first attempt', async () => {
    const { clock, scan } = scanner();
    const started = clock.now();
    const keys = await scan(target.host, target.port, 5000, new AbortController().signal);
    expect(keys.map((k) => k.split(' ')[0])).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa']);
    expect([...keys].sort()).toEqual([...sim.admin.sshHostKeys()].sort());
    // No retry wait was needed: the clock never had to move.
    expect(clock.now()).toBe(started);
  });

  it('keeps trying until the port answers', async () => {
    // The node "boots" late: its port refuses connections until 300 ms of clock time have
    // passed, then speaks garbage to the first attempt, then forwards to the real SSH endpoint.
    const { clock, scan, driver } = scanner();
    const port = await freePort();
    const started = clock.now();
    let outcome: { keys?: string[]; error?: unknown } | undefined;
    scan('127.0.0.1', port, 10_000, new AbortController().signal).then((keys) => { outcome = { keys }; }, (error) => { outcome = { error }; });
    await driver.until(() => clock.now() >= started + 300, { message: '300 ms of refused connections' });
    let garbageLeft = 3; // one attempt: a connection per host key algorithm
    const proxy: Server = createServer((s) => {
      s.on('error', () => s.destroy());
      if (garbageLeft > 0) { garbageLeft--; s.resume(); s.end('not ssh\r\n'); return; }
      const upstream = connect(target.port, target.host);
      upstream.on('error', () => s.destroy());
      s.pipe(upstream).pipe(s);
    });
    await new Promise<void>((r) => proxy.listen(port, '127.0.0.1', () => r()));
    try {
      await driver.until(() => outcome, { withinMs: 20_000, message: 'scan settled' });
      expect(outcome!.error).toBeUndefined();
      expect([...outcome!.keys!].sort()).toEqual([...sim.admin.sshHostKeys()].sort());
      expect(garbageLeft).toBe(0);
      expect(clock.now() - started).toBeGreaterThanOrEqual(300);
    } finally {
      proxy.close();
    }
  });

  it('times out on a closed port with the reason, after the deadline on its clock', async () => {
    const { clock, scan, driver } = scanner();
    const port = await freePort();
    const started = clock.now();
    const error = await driver.settle(scan('127.0.0.1', port, 800, new AbortController().signal)).then(() => null, (err: unknown) => err);
    expect(String(error)).toMatch(/ECONNREFUSED/);
    expect(String(error)).toContain('within 800 ms');
    expect(clock.now() - started).toBeGreaterThanOrEqual(700);
  });

  it('honours the abort signal while it waits to retry', async () => {
    const { clock, scan } = scanner();
    const controller = new AbortController();
    const scanning = scan('127.0.0.1', 1, 60_000, controller.signal);
    // The first attempt is refused at once; the scanner then sleeps on a clock nobody moves.
    await waitFor(() => clock.nextDeadline() !== null, { message: 'scanner waiting to retry' });
    controller.abort(new Error('launch cancelled'));
    await expect(scanning).rejects.toThrow('launch cancelled');
  });
});
