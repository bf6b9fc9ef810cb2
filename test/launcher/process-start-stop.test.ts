// The launcher process stops cleanly when told to while it is still starting: the signal
// handlers are in place before it connects to ZooKeeper, so a SIGTERM during a ZooKeeper outage
// at boot ends it with exit code 0 instead of Node's default action.
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { spawnEntry } from '../helpers/spawn.ts';
import { waitFor } from '../helpers/wait.ts';
import { simpleYaml } from './launcher-env.ts';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('launcher process start and stop', () => {
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM while ZooKeeper is unreachable at start exits 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'np-launcher-start-stop-'));
    const configPath = join(dir, 'nodepool.yaml');
    writeFileSync(configPath, [`zookeeper-servers:\n  - host: 127.0.0.1\n    port: ${await closedPort()}`, simpleYaml()].join('\n'));
    writeFileSync(join(dir, 'clouds.yaml'), 'clouds: {}\n');
    let out = '';
    child = spawnEntry('launcher/main.ts', ['-c', configPath, '--no-webapp'], {
      env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    await waitFor(() => out.includes('launcher starting'), { timeoutMs: 30_000, message: `the launcher starting; ${out}` });
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    expect({ code, signal }, out.slice(-2000)).toEqual({ code: 0, signal: null });
  });
});
