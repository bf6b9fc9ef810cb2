// Scale-out on a real three-member TLS ensemble (TLS to clients and between members): two
// launcher PROCESSES, one builder PROCESS and a Zuul-style requestor. During a burst of 200
// requests the leader is SIGKILLed and later restarted, then each follower in turn is restarted
// (a rolling restart). Every request ends fulfilled or failed, no node goes to two requests,
// nothing is leaked after a cleanup period, and neither daemon restarts. Then the quorum is lost
// for longer than the session timeout (two members stopped): both launchers report it (log,
// /ready 503, gauge) and, once the quorum is back, register again and serve without help.
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startSimulator } from '../../../src/cloud/sim/server.ts';
import { OpenStackProvider } from '../../../src/cloud/openstack/provider.ts';
import { loadClouds } from '../../../src/config/clouds/load-clouds.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { CleanupWorker } from '../../../src/launcher/cleanup/cleanup-worker.ts';
import { CronPass } from '../../../src/launcher/cron-pass.ts';
import { LauncherLoop } from '../../../src/launcher/launcher-loop.ts';
import { openStackDrivers } from '../../../src/launcher/driver/openstack-driver.ts';
import { ZkStore } from '../../../src/store/zk-store.ts';
import { systemClock } from '../../../src/util/clock.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import { startZkEnsemble, testZk } from '../../harness/zk.ts';
import { freePort } from '../../harness/zk-server.ts';
import { FAKE_DIB } from '../../builder/fake-dib.ts';
import { spawnEntry } from '../../helpers/spawn.ts';
import { waitFor } from '../../helpers/wait.ts';
import { REQUESTOR, ZuulRequestor, type RequestOutcome } from './zuul-requestor.ts';

const JOBS = 200;
const CONCURRENCY = 16;
const SESSION_TIMEOUT_S = 6;

interface Daemon { name: string; proc: ChildProcess; logPath: string; port?: number }

async function ready(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/ready`)).status;
  } catch {
    return 0;
  }
}

describe('scale-out on a three-member TLS ensemble', () => {
  it('survives a leader kill and a rolling restart mid-burst, and a quorum loss longer than the session timeout', async () => {
    const logger = silentLogger();
    const ensemble = await startZkEnsemble({ quorumTls: true });
    const zk = testZk({ ensemble, transport: 'tls', name: 'scale' });
    const dir = mkdtempSync(join(tmpdir(), 'np-ensemble-'));
    const daemons: Daemon[] = [];
    let cron: LauncherLoop | undefined;
    let cleanupProvider: OpenStackProvider | undefined;
    const sim = await startSimulator({
      config: { buildDelayMs: 100, deleteDelayMs: 50, quotas: { instances: 200, cores: 800, ram: 2_000_000 }, ssh: { enabled: false }, seed: 11 },
    });
    onTestFinished(async () => {
      await cron?.stop();
      for (const m of ensemble.members) m.thaw();
      for (const d of daemons) if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
      await Promise.all(daemons.map((d) => (d.proc.exitCode === null && d.proc.signalCode === null ? once(d.proc, 'exit') : undefined)));
      await cleanupProvider?.stop().catch(() => undefined);
      await zk.closeAll().catch(() => undefined);
      await ensemble.stop();
      await sim.close();
      if (!process.env.NODEPOOL_KEEP_CHAOS_DIR) rmSync(dir, { recursive: true, force: true });
    });
    const logTail = (lines = 40): string => daemons.map((d) => {
      let text = '';
      try { text = readFileSync(d.logPath, 'utf8'); } catch { /* not yet */ }
      return `--- ${d.logPath}\n${text.split('\n').slice(-lines).join('\n')}`;
    }).join('\n');
    const failWith = (msg: string) => (err: unknown) => { throw new Error(`${logTail()}\n${msg}: ${String(err)}`); };

    // Zuul: a long session, so it outlives the quorum loss like Zuul's own would not need to.
    const zuulClient = await zk.connect({ sessionTimeoutMs: 60_000 });
    const zuul = new ZkStore(zuulClient, { logger, clock: systemClock });
    await zuul.init();
    const cloudsPath = join(dir, 'clouds.yaml');
    writeFileSync(cloudsPath, sim.cloudsYaml('sim'));
    writeFileSync(join(dir, 'dib-control'), 'FAKE_DIB_MODE=ok\n');
    const cloud = loadClouds({ env: { OS_CLIENT_CONFIG_FILE: cloudsPath }, home: dir, cwd: dir, systemDir: dir }).clouds.sim;
    const yaml = (webPort: number): string => [
      'zookeeper-servers:',
      ...zk.servers.flatMap((s) => [`  - host: ${s.host}`, `    port: ${s.port}`, `    chroot: ${zk.chroot}`]),
      'zookeeper-tls:', `  ca: ${zk.tls.ca}`, `  cert: ${zk.tls.cert}`, `  key: ${zk.tls.key}`,
      `zookeeper-timeout: ${SESSION_TIMEOUT_S}`,
      `webapp:\n  port: ${webPort}`,
      `images-dir: ${join(dir, 'images')}`,
      `build-log-dir: ${join(dir, 'build-logs')}`,
      'diskimages:',
      '  - name: img',
      `    dib-cmd: ${FAKE_DIB}`,
      '    elements: [debian-minimal]',
      `    env-vars:\n      FAKE_DIB_CONTROL: ${join(dir, 'dib-control')}`,
      'labels:',
      '  - name: small',
      'providers:',
      '  - name: sim',
      '    cloud: sim',
      '    rate: 0.001',
      '    boot-timeout: 20',
      '    launch-retries: 3',
      '    diskimages:\n      - name: img',
      '    cloud-images:\n      - name: cirros\n        image-name: cirros\n        username: cirros',
      '    pools:',
      '      - name: main',
      '        max-servers: 20',
      '        networks: [private]',
      '        host-key-checking: false',
      '        labels:\n          - name: small\n            cloud-image: cirros\n            flavor-name: m1.tiny',
      '',
    ].join('\n');
    const ports = [await freePort(), await freePort(), await freePort()];
    const configs = ports.map((p, i) => { const f = join(dir, `nodepool-${i}.yaml`); writeFileSync(f, yaml(p)); return f; });
    const { config } = await loadConfig(configs[0], { env: {} });
    const setup = new OpenStackProvider(config.providers[0], cloud, { clock: systemClock, logger });
    await setup.start();
    writeFileSync(join(dir, 'cirros.qcow2'), Buffer.alloc(1024, 7));
    await setup.uploadImage({ name: 'cirros', filePath: join(dir, 'cirros.qcow2'), format: 'qcow2', metadata: {} });
    await setup.stop();

    const spawnDaemon = (name: string, entry: string, args: string[], port?: number): Daemon => {
      const logPath = join(dir, `${name}.log`);
      const log = createWriteStream(logPath);
      const proc = spawnEntry(entry, args, {
        env: { OS_CLIENT_CONFIG_FILE: cloudsPath, NODEPOOL_SERVER_LIST_TTL_MS: '100',
          NODEPOOL_BUILDER_BUILD_INTERVAL_MS: '200', NODEPOOL_BUILDER_UPLOAD_INTERVAL_MS: '200', NODEPOOL_BUILDER_CLEANUP_INTERVAL_MS: '1000' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      proc.stdout!.pipe(log);
      proc.stderr!.pipe(log);
      const d = { name, proc, logPath, port };
      daemons.push(d);
      return d;
    };
    const launchers = [0, 1].map((i) => spawnDaemon(`launcher-${i}`, 'launcher/main.ts', ['-c', configs[i]], ports[i]));
    const builder = spawnDaemon('builder', 'builder/main.ts', ['-c', configs[2], '-f']);
    await waitFor(async () => (await zuul.listComponents('pool')).length === 2 && (await Promise.all(launchers.map((l) => ready(l.port!)))).every((s) => s === 200),
      { timeoutMs: 90_000, intervalMs: 250, message: 'two launchers registered and ready' }).catch(failWith('launchers did not start'));
    await waitFor(async () => (await zuul.listBuilds('img')).some((b) => b.state === 'ready'),
      { timeoutMs: 90_000, intervalMs: 250, message: 'builder built img' }).catch(failWith('builder did not build'));

    // A cleanup pass every 5 s on a session of its own (the daemons' cron is once a minute).
    const cleanupClient = await zk.connect({ sessionTimeoutMs: 60_000 });
    cleanupProvider = new OpenStackProvider(config.providers[0], cloud, { clock: systemClock, logger });
    await cleanupProvider.start();
    const cleanup = new CleanupWorker({
      store: new ZkStore(cleanupClient, { logger, clock: systemClock }), getConfig: () => config,
      drivers: openStackDrivers(new Map([['sim', cleanupProvider]]), { getConfig: () => config, clock: systemClock, logger }), clock: systemClock, logger, hostname: 'ensemble-cleanup',
    });
    const loop: LauncherLoop = new LauncherLoop([new CronPass({
      name: 'cleanup', pattern: () => '*/5 * * * * *', worker: cleanup, clock: systemClock, logger, track: (work) => { loop.track(work); },
    })], systemClock, logger);
    cron = loop;
    loop.start();

    const requestor = new ZuulRequestor(zuul);
    onTestFinished(() => requestor.close().catch(() => undefined));
    await requestor.ready();
    const outcomes: RequestOutcome[] = [];
    const errors: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < JOBS) {
        const i = next++;
        try {
          outcomes.push(await requestor.runJob(i % 4 === 0 ? ['small', 'small'] : ['small'], 50 + (i % 3) * 50, 180_000));
        } catch (err) {
          errors.push(`job ${i}: ${String(err)}`);
        }
      }
    };
    const jobs = Promise.all(Array.from({ length: CONCURRENCY }, worker));

    // Leader SIGKILL mid-burst, its restart later, then a rolling restart of the followers.
    await waitFor(() => outcomes.length >= 30, { timeoutMs: 120_000, intervalMs: 100, message: '30 jobs done' }).catch(failWith('no progress'));
    const leader = await ensemble.leader();
    await leader.kill();
    await waitFor(() => outcomes.length >= 80, { timeoutMs: 120_000, intervalMs: 100, message: '80 jobs done' }).catch(failWith('no progress after the leader kill'));
    await leader.start();
    await ensemble.waitServing();
    for (const follower of await ensemble.followers()) {
      await follower.stop();
      await follower.start();
      await ensemble.waitServing();
    }
    await jobs;

    const exited = (): string[] => daemons.filter((d) => d.proc.exitCode !== null || d.proc.signalCode !== null)
      .map((d) => `${d.name} exited (${d.proc.exitCode ?? d.proc.signalCode})`);
    expect(exited(), logTail()).toEqual([]);
    expect(errors, logTail()).toEqual([]);
    expect(outcomes).toHaveLength(JOBS);
    expect(requestor.violations).toEqual([]);
    const fulfilled = outcomes.filter((o) => o.state === 'fulfilled');
    expect(fulfilled.length, `failed: ${outcomes.filter((o) => o.state !== 'fulfilled').map((o) => o.id).join(' ')}`).toBe(JOBS);
    const allNodeIds = fulfilled.flatMap((o) => o.nodes);
    expect(new Set(allNodeIds).size).toBe(allNodeIds.length);
    for (const [nodeId, allocations] of requestor.allocationsSeen) {
      const fulfilledWith = [...allocations].filter((r) => fulfilled.some((o) => o.id === r && o.nodes.includes(nodeId)));
      expect(fulfilledWith.length, `node ${nodeId}`).toBeLessThanOrEqual(1);
    }
    expect((await zuul.listRequests()).filter((r) => r.requestor === REQUESTOR)).toEqual([]);

    // After a cleanup period: no server without a node, no node half-made, no image without a record.
    const leaks = async (): Promise<string[]> => {
      const [nodes, state, builds] = await Promise.all([zuul.listNodes(), sim.admin.state(), zuul.listBuilds('img')]);
      const external = new Set(nodes.map((n) => n.external_id).filter(Boolean));
      const uploads = (await Promise.all(builds.map((b) => zuul.listUploads('img', b.id, 'sim')))).flat();
      const imageIds = new Set(uploads.map((u) => u.external_id).filter(Boolean));
      return [
        ...state.servers.filter((s) => !s.deleting && !external.has(s.id)).map((s) => `server ${s.name}`),
        ...nodes.filter((n) => n.state !== 'ready').map((n) => `node ${n.id} ${n.state}`),
        ...state.images.filter((im) => im.name !== 'cirros' && !imageIds.has(String(im.id))).map((im) => `image ${String(im.name)}`),
      ];
    };
    await waitFor(async () => (await leaks()).length === 0, { timeoutMs: 60_000, intervalMs: 500, message: 'nothing leaked' })
      .catch(async (err: unknown) => { throw new Error(`${logTail()}\n${String(err)}: ${(await leaks()).join(', ')}`); });

    // The quorum lost for longer than the session timeout.
    const lead = await ensemble.leader();
    const [oneFollower] = await ensemble.followers();
    await Promise.all([lead.stop(), oneFollower.stop()]);
    const logsSay = (text: string): boolean => launchers.every((l) => readFileSync(l.logPath, 'utf8').includes(text));
    await waitFor(async () => (await Promise.all(launchers.map((l) => ready(l.port!)))).every((s) => s === 503),
      { timeoutMs: 30_000, intervalMs: 200, message: '/ready 503 on both launchers' }).catch(failWith('no /ready 503'));
    await waitFor(() => logsSay('zookeeper session given up'), { timeoutMs: 30_000, intervalMs: 200, message: 'both launchers gave their sessions up' })
      .catch(failWith('sessions not given up'));
    const metrics = await Promise.all(launchers.map(async (l) => (await fetch(`http://127.0.0.1:${l.port}/metrics`)).text()));
    for (const m of metrics) expect(m).toMatch(/zookeeper_connected\S* 0\b/);
    // No work taken meanwhile: a request submitted now stays unassigned until the quorum returns.
    const late = requestor.runJob(['small'], 0, 120_000);
    await Promise.all([lead.start(), oneFollower.start()]);
    await ensemble.waitServing();
    await waitFor(async () => (await Promise.all(launchers.map((l) => ready(l.port!)))).every((s) => s === 200) &&
      (await zuul.listComponents('pool')).length === 2, { timeoutMs: 60_000, intervalMs: 250, message: 'launchers registered and ready again' })
      .catch(failWith('launchers did not come back'));
    expect((await late).state).toBe('fulfilled');
    const after = await Promise.all(Array.from({ length: 6 }, () => requestor.runJob(['small'], 0, 60_000)));
    expect(after.map((o) => o.state)).toEqual(after.map(() => 'fulfilled'));
    await waitFor(async () => (await leaks()).length === 0, { timeoutMs: 60_000, intervalMs: 500, message: 'nothing leaked after the quorum loss' })
      .catch(async (err: unknown) => { throw new Error(`${logTail()}\n${String(err)}: ${(await leaks()).join(', ')}`); });
    expect(exited(), logTail()).toEqual([]);
    expect(builder.proc.exitCode).toBeNull();
  }, 600_000);
});
