// The launcher as a real process (bin entry from source): SIGTERM hands work back and exits 0;
// kill -9 leaves a building node that another launcher cleans up once the session expires.
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { spawnEntry } from '../helpers/spawn.ts';
import { waitFor } from '../helpers/wait.ts';
import { newRequest } from '../../src/model/factories.ts';
import { CleanupWorker } from '../../src/launcher/cleanup/cleanup-worker.ts';
import { systemClock } from '../../src/util/clock.ts';
import { startEnv, simpleYaml, type LauncherEnv } from './launcher-env.ts';

describe('launcher process', () => {
  let env: LauncherEnv | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await env?.close();
    env = undefined;
  });

  function spawnLauncher(e: LauncherEnv): { proc: ChildProcess; output: () => string } {
    let out = '';
    const proc = spawnEntry('launcher/main.ts', ['-c', e.configPath, '--no-webapp'], {
      env: { OS_CLIENT_CONFIG_FILE: e.cloudsPath, NODEPOOL_SERVER_LIST_TTL_MS: '20' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    child = proc;
    return { proc, output: () => out };
  }

  async function submitAndWaitPending(e: LauncherEnv) {
    const r = await e.zuul.submitRequest(newRequest({ node_types: ['small'], requestor: 'zuul' }, Date.now()), '200', false);
    await waitFor(async () => {
      const building = (await e.zuul.listNodes()).filter((n) => n.state === 'building');
      const servers = (await e.sim.admin.listServers()).map((s) => s.name);
      return (await e.zuul.getRequest(r.id))?.state === 'pending' && building.some((n) => servers.includes(`np${n.id}`));
    }, { timeoutMs: 30_000, message: 'request pending with a building node whose server exists' });
    return r;
  }

  it('SIGTERM: stops taking work, hands the request back, releases locks, exits 0', async () => {
    env = await startEnv({ clock: 'system', name: 'proc-sigterm', sim: { buildDelayMs: 60_000 }, yaml: simpleYaml() });
    const e = env;
    const { proc, output } = spawnLauncher(e);
    await waitFor(async () => (await e.zuul.listComponents('pool')).length === 1, { timeoutMs: 30_000, message: `pool registered; output: ${output()}` });
    const r = await submitAndWaitPending(e);

    proc.kill('SIGTERM');
    const [code] = await once(proc, 'exit');
    expect(code, output()).toBe(0);

    const after = await e.zuul.getRequest(r.id);
    expect(after?.state).toBe('requested');
    expect(after?.nodes).toEqual([]);
    // Locks are gone: Zuul (or anyone) can take the request lock at once.
    const lock = await e.zuul.lockRequest(r.id, { blocking: false });
    expect(lock).not.toBeNull();
    await lock!.release();
    expect(await e.zuul.listComponents('pool')).toEqual([]);
    expect(await e.zuul.listComponents('launcher')).toEqual([]);

    // A new launcher deletes the abandoned building node (and its server) and serves the request.
    e.sim.admin.setFaults({});
    const building = (await e.zuul.listNodes()).filter((n) => n.state === 'building');
    expect(building).toHaveLength(1);
    await e.newLauncher();
    await waitFor(async () => (await e.zuul.getNode(building[0].id)) === null, { timeoutMs: 20_000, message: 'abandoned node deleted' });
    await waitFor(async () => !(await e.sim.admin.listServers()).some((s) => s.name === `np${building[0].id}` && !s.deleting),
      { timeoutMs: 20_000, message: 'abandoned server deleted' });
  });

  it('kill -9: another launcher deletes the dead one\'s building node and server, and serves its lost request', async () => {
    env = await startEnv({ clock: 'system', name: 'proc-kill9', sim: { buildDelayMs: 60_000 }, yaml: `zookeeper-timeout: 2\n${simpleYaml()}` });
    const e = env;
    const { proc, output } = spawnLauncher(e);
    await waitFor(async () => (await e.zuul.listComponents('pool')).length === 1, { timeoutMs: 30_000, message: `pool registered; output: ${output()}` });
    const r = await submitAndWaitPending(e);
    const building = (await e.zuul.listNodes()).find((n) => n.state === 'building')!;

    proc.kill('SIGKILL');
    await once(proc, 'exit');
    await waitFor(async () => (await e.zuul.listComponents('pool')).length === 0, { timeoutMs: 20_000, message: 'dead session expired' });

    await e.newLauncher({ hostname: 'survivor' });
    await waitFor(async () => (await e.zuul.getNode(building.id)) === null, { timeoutMs: 20_000, message: 'dead launcher\'s node deleted' });
    await waitFor(async () => !(await e.sim.admin.listServers()).some((s) => s.name === `np${building.id}` && !s.deleting),
      { timeoutMs: 20_000, message: 'its server deleted' });
    // The request it held is "lost" (pending, unlocked): the cleanup worker's lost-request task
    // resets it and the survivor takes it. Run the cleanup pass now rather than waiting for its
    // cron.
    const cleanup = new CleanupWorker({
      store: e.store, getConfig: () => e.config, drivers: new Map(), clock: systemClock, logger: e.logger, hostname: 'survivor',
    });
    await cleanup.runOnce();
    const survivorPool = (await e.zuul.listComponents('pool'))[0].id;
    expect(survivorPool).toMatch(/^survivor-PoolWorker/);
    await waitFor(async () => {
      const again = await e.zuul.getRequest(r.id);
      if (again?.state !== 'pending') return false;
      const nodes = (await e.zuul.listNodes()).filter((n) => n.allocated_to === r.id);
      return nodes.some((n) => n.launcher === survivorPool && n.state === 'building');
    }, { timeoutMs: 20_000, message: 'lost request taken by the survivor' });
  });
});

describe('launcher process reload', () => {
  let env: LauncherEnv | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await env?.close();
  });

  it('follows a changed config file, keeps the old one when the new is invalid, reloads on SIGHUP', async () => {
    env = await startEnv({ clock: 'system', name: 'proc-reload', yaml: simpleYaml() });
    const e = env;
    let out = '';
    child = spawnEntry('launcher/main.ts', ['-c', e.configPath, '--no-webapp'], {
      env: { OS_CLIENT_CONFIG_FILE: e.cloudsPath, NODEPOOL_SERVER_LIST_TTL_MS: '20' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const labels = async () => (await e.zuul.listComponents('pool'))[0]?.supported_labels ?? [];
    await waitFor(async () => (await labels()).length === 1, { timeoutMs: 30_000, message: `registered; ${out}` });

    writeFileSync(e.configPath, e.fullYaml.replace(simpleYaml(), simpleYaml({ labels: ['small', 'medium'] })));
    try {
      await waitFor(async () => (await labels()).join(',') === 'small,medium', { timeoutMs: 15_000, message: 'labels after reload' });
    } catch (err) {
      child.kill('SIGTERM');
      await once(child, 'exit');
      throw new Error(`${String(err)}\n${out.slice(-4000)}`);
    }

    writeFileSync(e.configPath, `${e.fullYaml}\nnot-a-key: [`);
    await waitFor(() => out.includes('invalid'), { timeoutMs: 15_000, message: 'invalid config reported' });
    const r = await e.zuul.submitRequest(newRequest({ node_types: ['medium'], requestor: 'zuul' }, Date.now()), '200', false);
    await waitFor(async () => (await e.zuul.getRequest(r.id))?.state === 'fulfilled', { timeoutMs: 20_000, message: 'served with the old config' });

    // SIGHUP re-reads the (now valid again) file at once.
    writeFileSync(e.configPath, e.fullYaml);
    child.kill('SIGHUP');
    await waitFor(async () => (await labels()).join(',') === 'small', { timeoutMs: 15_000, message: 'labels after SIGHUP' });
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
