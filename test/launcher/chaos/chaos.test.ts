// Chaos: two launcher PROCESSES share a private ZooKeeper and the simulator, which answers 20 %
// of compute/network calls with 503 and now and then puts a server in ERROR or refuses a create
// for quota. A Zuul-like requestor runs 30 jobs of 1-2 nodes while one launcher is killed with
// SIGKILL and restarted and ZooKeeper is frozen for 10 s (SIGSTOP/SIGCONT).
// At the end: every request ended fulfilled or failed, no node went to two requests, and after
// the cleanup cron has run the simulator holds no server or floating IP without a node znode.
//
// The current nodepool.yaml format (like upstream's) has no cron key: the launchers run their
// cleanup every minute. The fast cleanup cron ('*/5 * * * * *') therefore runs here, in the test,
// with the launcher's own CronPass and CleanupWorker on a ZooKeeper session of its own.
import { describe, expect, it, onTestFinished } from 'vitest';
import { OpenStackProvider } from '../../../src/cloud/openstack/provider.ts';
import { CleanupWorker } from '../../../src/launcher/cleanup/cleanup-worker.ts';
import { CronPass } from '../../../src/launcher/cron-pass.ts';
import { LauncherLoop } from '../../../src/launcher/launcher-loop.ts';
import { ZkStore } from '../../../src/store/zk-store.ts';
import { systemClock } from '../../../src/util/clock.ts';
import { waitFor } from '../../helpers/wait.ts';
import { startChaosEnv } from './chaos-env.ts';
import { REQUESTOR, ZuulRequestor, type RequestOutcome } from './zuul-requestor.ts';
import { openStackDrivers } from '../../../src/launcher/driver/openstack-driver.ts';

const JOBS = 30;
const CONCURRENCY = 6;
const FREEZE_MS = 10_000;

const YAML = `
labels:
  - name: small
    min-ready: 2
providers:
  - name: sim
    cloud: sim
    rate: 0.001
    boot-timeout: 10
    launch-timeout: 30
    launch-retries: 3
    clean-floating-ips: true
    cloud-images:
      - name: cirros
        image-name: cirros
        username: cirros
    pools:
      - name: main
        max-servers: 20
        auto-floating-ip: true
        networks: [private]
        host-key-checking: false
        labels:
          - name: small
            cloud-image: cirros
            flavor-name: m1.tiny
`;

describe('chaos: two launcher processes, cloud faults, kill -9, ZooKeeper freeze', () => {
  it('ends with every request answered, no double allocation and no leaked cloud resource', async () => {
    // Everything is made inside the test, so a retry (CI retries a failed test once) starts
    // from a fresh ZooKeeper, simulator and launcher processes, not from the failed run's.
    const stopCron = new AbortController();
    let cron: LauncherLoop | undefined;
    let cleanupProvider: OpenStackProvider | undefined;
    const e = await startChaosEnv({ yaml: YAML, zookeeperTimeoutSeconds: 6, faults: { errorRate: { compute: 0.2, network: 0.2 } } });
    const requestor = new ZuulRequestor(e.zuul);
    onTestFinished(async () => {
      stopCron.abort();
      await cron?.stop();
      await requestor.close().catch(() => undefined);
      await cleanupProvider?.stop().catch(() => undefined);
      await e.close();
    });
    await requestor.ready();
    // The launchers' logs first and the reason last, so a report that keeps only the end of the
    // output still says what went wrong.
    const failWith = (msg: string) => (err: unknown) => { throw new Error(`${e.logTail()}\n${msg}: ${String(err)}`); };
    // One after the other, so the test knows which pool id is launcher-a's (the victim's).
    e.startLauncher('launcher-a');
    const [victimPool] = await waitFor(async () => { const p = await e.zuul.listComponents('pool'); return p.length === 1 ? p : null; },
      { timeoutMs: 40_000, intervalMs: 200, message: 'launcher-a pool registered' }).catch(failWith('launcher-a did not start'));
    e.startLauncher('launcher-b');
    await waitFor(async () => (await e.zuul.listComponents('pool')).length === 2,
      { timeoutMs: 40_000, intervalMs: 200, message: 'two pools registered' }).catch(failWith('launcher-b did not start'));

    // The fast cleanup cron, on its own session (it lives through the freeze like a launcher).
    const cleanupClient = await e.zk.connect({ sessionTimeoutMs: 40_000 });
    cleanupProvider = new OpenStackProvider(e.config.providers[0], e.cloud, { clock: systemClock, logger: e.logger });
    await cleanupProvider.start();
    const cleanupDeps = {
      store: new ZkStore(cleanupClient, { logger: e.logger, clock: systemClock }), getConfig: () => e.config,
      drivers: openStackDrivers(new Map([['sim', cleanupProvider]]), { getConfig: () => e.config, clock: systemClock, logger: e.logger }), clock: systemClock, logger: e.logger, hostname: 'chaos-cleanup',
    };
    const cleanup = new CleanupWorker(cleanupDeps);
    const loop: LauncherLoop = new LauncherLoop([new CronPass({
      name: 'cleanup', pattern: () => '*/5 * * * * *', worker: cleanup, clock: systemClock, logger: e.logger, track: (work) => { loop.track(work); },
    })], systemClock, e.logger);
    cron = loop;
    loop.start();

    // The requestor: JOBS jobs, CONCURRENCY at a time; a server in ERROR every 4th job and a
    // quota refusal every 7th (on top of the 20 % 503s).
    const outcomes: RequestOutcome[] = [];
    const errors: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < JOBS) {
        const i = next++;
        if (i % 4 === 1) e.sim.admin.setFaults({ errorServers: { count: (e.sim.admin.getFaults().errorServers?.count ?? 0) + 1 } }, { merge: true });
        if (i % 7 === 3) e.sim.admin.setFaults({ quotaFailNextCreates: (e.sim.admin.getFaults().quotaFailNextCreates ?? 0) + 1 }, { merge: true });
        const labels = i % 3 === 0 ? ['small', 'small'] : ['small'];
        try {
          outcomes.push(await requestor.runJob(labels, 200 + (i % 5) * 100, 90_000));
        } catch (err) {
          errors.push(`job ${i}: ${String(err)}`);
        }
      }
    };
    const jobs = Promise.all(Array.from({ length: CONCURRENCY }, worker));

    // Chaos, driven by progress rather than by the clock.
    await waitFor(() => outcomes.length >= 6, { timeoutMs: 60_000, intervalMs: 100, message: '6 jobs done' }).catch(failWith('no progress'));
    // Kill launcher-a while it is building a node (or after 20 s of trying, whatever it holds).
    const victimBusy = await waitFor(async () => (await e.zuul.listNodes()).some((n) => n.launcher === victimPool.id && n.state === 'building'),
      { timeoutMs: 20_000, intervalMs: 20, message: 'launcher-a building' }).catch(() => false);
    const victim = e.launchers[0];
    victim.proc.kill('SIGKILL');
    await victim.exited;
    e.startLauncher('launcher-a');
    await waitFor(() => outcomes.length >= 14, { timeoutMs: 60_000, intervalMs: 100, message: '14 jobs done' }).catch(failWith('no progress after kill -9'));
    e.server.freeze();
    await new Promise((r) => setTimeout(r, FREEZE_MS));
    e.server.thaw();

    await jobs;
    // A launcher that crashed is the likeliest cause of anything below; say so first.
    const crashed = e.launchers.slice(1).filter((l) => l.proc.exitCode !== null || l.proc.signalCode !== null);
    expect(crashed.map((l) => `${l.logPath} exited (${l.proc.exitCode ?? l.proc.signalCode})`), e.logTail()).toEqual([]);
    expect(errors, e.logTail()).toEqual([]);
    expect(outcomes).toHaveLength(JOBS);
    expect(requestor.violations).toEqual([]);

    // Every request was answered; none is left in ZooKeeper (the requestor deletes what it saw).
    const fulfilled = outcomes.filter((o) => o.state === 'fulfilled');
    expect(fulfilled.length, `failed: ${outcomes.filter((o) => o.state === 'failed').map((o) => o.id).join(' ')}`).toBeGreaterThanOrEqual(JOBS * 0.8);
    for (const o of fulfilled) expect(o.nodes).toHaveLength(o.labels.length);
    const ours = new Set(outcomes.map((o) => o.id));
    expect(ours.size).toBe(JOBS);
    expect((await e.zuul.listRequests()).filter((r) => r.requestor === REQUESTOR)).toEqual([]);

    // No node was handed to two requests: over the requestor's accepts, and over every
    // allocation its node watch saw (a node may be re-offered after a reset, never fulfilled twice).
    const handed = [...requestor.handedTo.entries()];
    expect(handed.length).toBe(fulfilled.reduce((n, o) => n + o.nodes.length, 0));
    const allNodeIds = fulfilled.flatMap((o) => o.nodes);
    expect(new Set(allNodeIds).size).toBe(allNodeIds.length);
    for (const [nodeId, allocations] of requestor.allocationsSeen) {
      const fulfilledWith = [...allocations].filter((r) => fulfilled.some((o) => o.id === r && o.nodes.includes(nodeId)));
      expect(fulfilledWith.length, `node ${nodeId}`).toBeLessThanOrEqual(1);
    }

    // Chaos over: the cloud behaves again and the system converges within a few cleanup periods.
    e.sim.admin.setFaults({});
    const converged = async () => {
      const [nodes, state] = await Promise.all([e.zuul.listNodes(), e.sim.admin.state()]);
      const byExternal = new Set(nodes.map((n) => n.external_id).filter((x): x is string => Boolean(x)));
      const usedLeft = nodes.filter((n) => allNodeIds.includes(n.id));
      const leakedServers = state.servers.filter((s) => !s.deleting && !byExternal.has(s.id));
      const portOwner = new Map(state.ports.map((p) => [String(p.id), String(p.device_id ?? '')]));
      const leakedFips = state.floatingIps.filter((f) => !f.port_id || !byExternal.has(portOwner.get(String(f.port_id)) ?? ''));
      const strayAllocations = nodes.filter((n) => n.allocated_to && ours.has(n.allocated_to));
      // Nothing stays half-made: no init/building/deleting node (a znode orphaned by a lost
      // create response would stay 'init' for ever) and nothing allocated to a request of ours.
      const unsettled = nodes.filter((n) => n.state !== 'ready');
      // And the other way round: every READY node has a live server.
      const liveServers = new Set(state.servers.filter((s) => !s.deleting).map((s) => s.id));
      const serverless = nodes.filter((n) => !n.external_id || !liveServers.has(n.external_id));
      return usedLeft.length + leakedServers.length + leakedFips.length + strayAllocations.length + unsettled.length + serverless.length === 0
        ? { nodes, state }
        : null;
    };
    const final = await waitFor(converged, { timeoutMs: 45_000, intervalMs: 500, message: 'cloud and ZooKeeper converged' })
      .catch(async (err: unknown) => {
        const [nodes, state] = await Promise.all([e.zuul.listNodes(), e.sim.admin.state()]);
        throw new Error(`${e.logTail(60)}\n${String(err)}\nnodes: ${JSON.stringify(nodes.map((n) => [n.id, n.state, n.external_id, n.allocated_to]))}\n` +
          `servers: ${JSON.stringify(state.servers.map((s) => [s.name, s.id, s.status, s.deleting]))}\n` +
          `fips: ${JSON.stringify(state.floatingIps.map((f) => [f.id, f.port_id]))}`);
      });
    // Whatever is left is healthy capacity: min-ready's READY nodes, each with its server.
    expect(final.nodes.length).toBeGreaterThanOrEqual(2);
    expect(final.state.servers.filter((s) => !s.deleting)).toHaveLength(final.nodes.length);
    // Both launcher processes are still alive after the freeze and serve again.
    for (const l of e.launchers.slice(1)) expect(l.proc.exitCode, e.logTail()).toBeNull();
    await waitFor(async () => (await e.zuul.listComponents('pool')).length === 2,
      { timeoutMs: 30_000, intervalMs: 200, message: 'two pools registered after the chaos' }).catch(failWith('pools did not come back'));
    const after = await requestor.runJob(['small'], 0, 30_000);
    expect(after.state).toBe('fulfilled');
    const reoffered = [...requestor.allocationsSeen.values()].filter((a) => [...a].filter((r) => ours.has(r)).length > 1).length;
    console.info(`chaos: ${fulfilled.length}/${JOBS} fulfilled, ${JOBS - fulfilled.length} failed, ${allNodeIds.length} nodes handed out, ` +
      `launcher-a killed ${victimBusy ? 'while building a node' : 'while idle'}, ${reoffered} nodes re-offered to another request after a reset, ${final.state.servers.length} servers left (all with a znode)`);
  }, 180_000);
});
