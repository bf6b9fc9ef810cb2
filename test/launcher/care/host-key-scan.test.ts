// scanHostKeys against the simulator's real SSH endpoints: the keys match the simulator's own
// host keys; a port that never answers times out; an abort stops the scan at once.
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/cloud/sim/server.ts';
import { scanHostKeys } from '../../../src/launcher/nodescan-ssh/scan-host-keys.ts';
import { waitFor } from '../../helpers/wait.ts';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

describe('scanHostKeys', () => {
  let sim: RunningSimulator;
  let target: { host: string; port: number };

  beforeAll(async () => {
    sim = await startSimulator({ config: { buildDelayMs: 0 } });
    const server = await sim.admin.injectServer({ name: 'np0000000001' });
    const ready = await waitFor(async () => (await sim.admin.listServers()).find((s) => s.id === server.id && s.sshPort), { message: 'SSH endpoint' });
    target = { host: ready.sshHost!, port: ready.sshPort! };
  });
  afterAll(async () => { await sim?.close(); });

  it('returns the simulator host keys, ed25519, ecdsa and rsa', async () => {
    const started = performance.now();
    const keys = await scanHostKeys(target.host, target.port, 5000, new AbortController().signal);
    const ms = performance.now() - started;
    expect(keys.map((k) => k.split(' ')[0])).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa']);
    expect([...keys].sort()).toEqual([...sim.admin.sshHostKeys()].sort());
    expect(ms).toBeLessThan(5000);
  });

  it('keeps trying until the port answers', async () => {
    // The node "boots" late: for 400 ms its port refuses connections and then speaks garbage,
    // after that it forwards to the real SSH endpoint. The scan retries through both.
    const port = await freePort();
    const scan = scanHostKeys('127.0.0.1', port, 10_000, new AbortController().signal);
    const started = performance.now();
    await new Promise((r) => setTimeout(r, 200));
    let garbage = true;
    const proxy: Server = createServer((s) => {
      s.on('error', () => s.destroy());
      if (garbage) { s.resume(); s.end('not ssh\r\n'); return; }
      const upstream = connect(target.port, target.host);
      upstream.on('error', () => s.destroy());
      s.pipe(upstream).pipe(s);
    });
    await new Promise<void>((r) => proxy.listen(port, '127.0.0.1', () => r()));
    setTimeout(() => { garbage = false; }, 200);
    const keys = await scan;
    expect(performance.now() - started).toBeGreaterThanOrEqual(350);
    expect([...keys].sort()).toEqual([...sim.admin.sshHostKeys()].sort());
    proxy.close();
  });

  it('times out on a closed port with the reason', async () => {
    const port = await freePort();
    const started = performance.now();
    await expect(scanHostKeys('127.0.0.1', port, 800, new AbortController().signal)).rejects.toThrow(/ECONNREFUSED/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(700);
  });

  it('honours the abort signal', async () => {
    const controller = new AbortController();
    const scan = scanHostKeys('127.0.0.1', 1, 60_000, controller.signal);
    setTimeout(() => controller.abort(new Error('launch cancelled')), 100);
    const started = performance.now();
    await expect(scan).rejects.toThrow('launch cancelled');
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
