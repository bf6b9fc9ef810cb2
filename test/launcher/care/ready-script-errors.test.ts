// runReadyScript on its own against a simulator server: the ways it fails, each with a clear
// message and no secret in it: no /etc/nodepool in the image, a wrong or missing key, an
// aborted (timed-out) script.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/cloud/sim/server.ts';
import type { NodepoolConfig } from '../../../src/config/model.ts';
import type { LauncherDeps } from '../../../src/launcher/deps.ts';
import { runReadyScript } from '../../../src/launcher/ready-script/run-ready-script.ts';
import { newNode } from '../../../src/model/factories.ts';
import type { Node } from '../../../src/model/types.ts';
import { systemClock } from '../../../src/util/clock.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import { waitFor } from '../../helpers/wait.ts';
import { poolLabel, provider } from '../config-fixtures.ts';
import { registerKeypair } from './care-env.ts';
import { generateEd25519KeyPair } from '../../../src/util/ssh-keypair.ts';

async function simWithServer(sandboxDirs: string[], dir: string) {
  const sim = await startSimulator({ config: { buildDelayMs: 0, ssh: { sandboxDirs } } });
  const keyPath = await registerKeypair(sim, dir, `key-${sandboxDirs.length}`);
  const injected = await sim.admin.injectServer({ name: 'np0000000007', keyName: `key-${sandboxDirs.length}` });
  const s = await waitFor(async () => (await sim.admin.listServers()).find((x) => x.id === injected.id && x.sshPort), { message: 'ssh endpoint' });
  const node: Node = { ...newNode({ provider: 'cloud1', pool: 'main', type: ['small'], state: 'building' }, Date.now()), id: '0000000007',
    interface_ip: s.sshHost, connection_port: s.sshPort!, external_id: s.id, username: 'zuul' };
  return { sim, keyPath, node };
}

describe('runReadyScript failures', () => {
  let dir: string;
  let bare: Awaited<ReturnType<typeof simWithServer>>;
  let good: Awaited<ReturnType<typeof simWithServer>>;
  const deps = () => ({
    getConfig: () => ({ scriptsDir: join(dir, 'scripts'), buildLogDir: join(dir, 'builds') }) as NodepoolConfig,
    clock: systemClock, logger: silentLogger(), readyScriptLogDir: join(dir, 'logs'), environment: {},
  }) as unknown as LauncherDeps;
  const run = (target: typeof good, label: Record<string, unknown>, signal = new AbortController().signal) => runReadyScript({
    node: target.node, deps: deps(), signal, provider: provider({ bootTimeout: 1 }),
    label: poolLabel('small', { readyScript: 'slow.sh', username: 'zuul', privateKey: target.keyPath, ...label }),
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'np-ready-errors-'));
    mkdirSync(join(dir, 'scripts'));
    writeFileSync(join(dir, 'scripts', 'slow.sh'), '#!/bin/sh\necho started\nsleep 30\n');
    bare = await simWithServer([], dir);
    good = await simWithServer(['/etc/nodepool', '/opt/nodepool-scripts'], dir);
  });
  afterAll(async () => {
    await bare?.sim.close();
    await good?.sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails when the image has no /etc/nodepool (checked, never created)', async () => {
    await expect(run(bare, {})).rejects.toThrow("/etc/nodepool does not exist on the node (the image's nodepool element must create it");
    expect(readFileSync(join(dir, 'logs', '0000000007.log'), 'utf8')).toMatch(/failed: \/etc\/nodepool does not exist/);
  });

  it('fails to log in with a key the server does not accept, without echoing the key', async () => {
    const other = join(dir, 'other.key');
    writeFileSync(other, generateEd25519KeyPair().private, { mode: 0o600 });
    const err = await run(good, { privateKey: other }).catch((e: Error) => e);
    expect(String(err)).toMatch(/ssh zuul@127\.[\d.]+:\d+: All configured authentication methods failed/);
    expect(String(err)).not.toMatch(/PRIVATE KEY/);
  });

  it('fails clearly when the private-key file is missing', async () => {
    await expect(run(good, { privateKey: join(dir, 'nope.key') })).rejects.toThrow(/cannot read private-key .*nope\.key \(ENOENT\)/);
  });

  it('stops a script that outlives the launch timeout (the signal)', async () => {
    // 10 s leaves a loaded CI machine time to log in and start the script; it sleeps 30 s, so
    // returning within 20 s shows the abort stopped it.
    const started = Date.now();
    await expect(run(good, {}, AbortSignal.timeout(10_000))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(20_000);
    const log = readFileSync(join(dir, 'logs', '0000000007.log'), 'utf8');
    expect(log).toContain('started');
    expect(log).toMatch(/failed: aborted: .*(timeout|aborted)/i);
  });
});
