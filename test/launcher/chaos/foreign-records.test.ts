// Foreign records: every /nodepool path we read (nodes, requests, request locks, builds, uploads,
// components, image pauses, image dirs) gets each hostile payload of foreign-payloads.ts, and
// the simulator gets servers and images those records name. Then a launcher and a builder
// PROCESS (fake DIB) run while a Zuul-like requestor is served. Every request is fulfilled, no
// process exits, every listing (CLI and web) answers with the bad rows marked unreadable, no
// planted znode is gone and the simulator still holds every server and image it held.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startSimulator } from '../../../src/cloud/sim/server.ts';
import { OpenStackProvider } from '../../../src/cloud/openstack/provider.ts';
import { loadClouds } from '../../../src/config/clouds/load-clouds.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { CleanupWorker } from '../../../src/launcher/cleanup/cleanup-worker.ts';
import { openStackDrivers } from '../../../src/launcher/driver/openstack-driver.ts';
import { newImageBuild } from '../../../src/model/factories.ts';
import { ZkStore } from '../../../src/store/zk-store.ts';
import { systemClock } from '../../../src/util/clock.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import { CreateMode } from '../../../src/zk/types.ts';
import type { ZooKeeperClient } from '../../../src/zk/client.ts';
import { FAKE_DIB } from '../../builder/fake-dib.ts';
import { testZk } from '../../harness/zk.ts';
import { runEntry, spawnEntry } from '../../helpers/spawn.ts';
import { waitFor } from '../../helpers/wait.ts';
import { PAYLOADS } from './foreign-payloads.ts';
import { ZuulRequestor, type RequestOutcome } from './zuul-requestor.ts';

const JOBS = 4;
/** A build of ours made long ago: the janitor would retire it but for its unreadable uploads. */
const OLD_BUILD = 'f00d0000000000000000000000000001';
const seq = (i: number) => String(9_900_000_000 + i);

interface Planted { path: string; kind: string; id: string; payload: string; undecodable: boolean }

async function createPath(client: ZooKeeperClient, path: string, data: string): Promise<void> {
  const parts = path.split('/').slice(1);
  for (let i = 1; i < parts.length; i++) {
    await client.create(`/${parts.slice(0, i).join('/')}`, Buffer.alloc(0), CreateMode.PERSISTENT).catch(() => undefined);
  }
  try {
    await client.create(path, Buffer.from(data), CreateMode.PERSISTENT);
  } catch {
    await client.setData(path, Buffer.from(data), -1); // a directory made above (e.g. an image dir)
  }
}

function configYaml(zk: { host: string; port: number; chroot: string }, dir: string): string {
  return `zookeeper-servers:
  - host: ${zk.host}
    port: ${zk.port}
    chroot: ${zk.chroot}
zookeeper-timeout: 10
images-dir: ${join(dir, 'images')}
build-log-dir: ${join(dir, 'logs')}
webapp:
  port: 0
labels:
  - name: small
diskimages:
  - name: img
    dib-cmd: ${FAKE_DIB}
    elements: [debian-minimal, nodepool-minimal]
    release: bookworm
    env-vars:
      FAKE_DIB_MODE: ok
providers:
  - name: sim
    cloud: sim
    rate: 0.001
    boot-timeout: 10
    launch-timeout: 30
    diskimages:
      - name: img
    pools:
      - name: main
        max-servers: 10
        networks: [private]
        host-key-checking: false
        labels:
          - name: small
            diskimage: img
            flavor-name: m1.tiny
`;
}

describe('foreign records under every path we read', () => {
  it('serve requests, list them as unreadable, delete nothing for them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-foreign-'));
    const zk = testZk({ name: 'foreign-records' });
    const client = await zk.connect({ sessionTimeoutMs: 30_000 });
    const logger = silentLogger();
    const store = new ZkStore(client, { logger, clock: systemClock });
    await store.init();
    const sim = await startSimulator({ config: { buildDelayMs: 100, deleteDelayMs: 20, quotas: { instances: 200, cores: 800, ram: 2_000_000 }, ssh: { enabled: false } } });
    const procs: { name: string; proc: ChildProcess; out: string[]; exited: Promise<unknown> }[] = [];
    let requestor: ZuulRequestor | undefined;
    let provider: OpenStackProvider | undefined;
    onTestFinished(async () => {
      for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await requestor?.close().catch(() => undefined);
      await provider?.stop().catch(() => undefined);
      await zk.closeAll().catch(() => undefined);
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const cloudsPath = join(dir, 'clouds.yaml');
    writeFileSync(cloudsPath, sim.cloudsYaml('sim'));
    const configPath = join(dir, 'nodepool.yaml');
    writeFileSync(configPath, configYaml({ ...zk.servers[0], chroot: zk.chroot }, dir));
    const { config } = await loadConfig(configPath, { env: {} });
    const cloud = loadClouds({ env: { OS_CLIENT_CONFIG_FILE: cloudsPath }, home: dir, cwd: dir, systemDir: dir }).clouds.sim;
    provider = new OpenStackProvider(config.providers[0], cloud, { clock: systemClock, logger });
    await provider.start();
    const imageFile = join(dir, 'planted.qcow2');
    writeFileSync(imageFile, Buffer.alloc(1024, 7));

    // ---- plant: one record per path and payload, and the cloud resources they name.
    const planted: Planted[] = [];
    const plant = async (path: string, kind: string, id: string, payload: typeof PAYLOADS[number], dataKind = kind) => {
      await createPath(client, path, payload.data(dataKind));
      planted.push({ path, kind, id, payload: payload.name, undecodable: payload.undecodable });
    };
    await store.createBuild({ ...newImageBuild({ image: 'img', state: 'ready', formats: ['qcow2'], builder: 'nb-gone' }, Date.now() - 30 * 86400_000), id: OLD_BUILD });
    for (const [i, payload] of PAYLOADS.entries()) {
      const n = seq(i);
      await sim.admin.injectServer({ name: `np-foreign-${payload.name}`, metadata: { nodepool_provider_name: 'sim', nodepool_node_id: n, nodepool_pool_name: 'main' } });
      await plant(`/nodepool/nodes/${n}`, 'node', n, payload);
      await plant(`/nodepool/requests/200-${n}`, 'request', `200-${n}`, payload);
      await plant(`/nodepool/requests-lock/200-${n}`, 'request-lock', `200-${n}`, payload);
      await plant(`/nodepool/requests-lock/200-${n}/x-${payload.name}`, 'request-lock', payload.name, payload);
      const build = `fuzz-${payload.name}`;
      await plant(`/nodepool/images/img/builds/${build}`, 'build', build, payload);
      // An upload below our old build and one below the unreadable build, each with its cloud image.
      for (const buildId of [OLD_BUILD, build]) {
        await plant(`/nodepool/images/img/builds/${buildId}/providers/sim/images/${n}`, 'upload', n, payload);
        await provider.uploadImage({ name: `img-${buildId}-${n}`, filePath: imageFile, format: 'qcow2',
          metadata: { nodepool_provider_name: 'sim', nodepool_build_id: buildId, nodepool_upload_id: n, nodepool_image_name: 'img' } });
      }
      for (const kind of ['launcher', 'builder', 'pool']) {
        await plant(`/nodepool/components/${kind}/fuzz-${payload.name}${n}`, 'component', `fuzz-${payload.name}${n}`, payload);
      }
      const foreign = `foreign-${payload.name}`;
      await plant(`/nodepool/images/${foreign}`, 'image-dir', foreign, payload);
      await plant(`/nodepool/images/${foreign}/pause`, 'pause', foreign, payload);
      await plant(`/nodepool/images/${foreign}/builds/${n}`, 'foreign-build', n, payload, 'build');
    }
    // A failed build the janitor retires: its disappearance shows a janitor pass went by.
    const failedBuild = async (id: string) => store.createBuild({ ...newImageBuild({ image: 'img', state: 'failed', formats: ['qcow2'] }, Date.now()), id });
    await failedBuild('f00d0000000000000000000000000002');
    const before = await sim.admin.state();

    // ---- run a builder and a launcher process against it.
    const start = (name: string, entry: string, args: string[], env: Record<string, string>) => {
      const proc = spawnEntry(entry, args, { env: { OS_CLIENT_CONFIG_FILE: cloudsPath, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: string[] = [];
      proc.stdout!.on('data', (d) => out.push(String(d)));
      proc.stderr!.on('data', (d) => out.push(String(d)));
      const p = { name, proc, out, exited: once(proc, 'exit').catch(() => undefined) };
      procs.push(p);
      return p;
    };
    const logTail = () => procs.map((p) => `--- ${p.name} (exit ${p.proc.exitCode ?? p.proc.signalCode})\n${p.out.join('').split('\n').slice(-25).join('\n')}`).join('\n');
    start('builder', 'builder/main.ts', ['-c', configPath, '-f'], {
      NODEPOOL_BUILDER_BUILD_INTERVAL_MS: '200', NODEPOOL_BUILDER_UPLOAD_INTERVAL_MS: '200', NODEPOOL_BUILDER_CLEANUP_INTERVAL_MS: '300',
    });
    const launcher = start('launcher', 'launcher/main.ts', ['-c', configPath], { NODEPOOL_SERVER_LIST_TTL_MS: '100' });
    const fail = (what: string) => (err: unknown) => { throw new Error(`${logTail()}\n${what}: ${String(err)}`); };

    // The label boots the builder's image: requests start once its upload is ready.
    await waitFor(async () => (await store.latestReadyUpload('img', 'sim'))?.external_id, { timeoutMs: 45_000, intervalMs: 200, message: 'the builder\'s upload' })
      .catch(fail('no upload'));
    requestor = new ZuulRequestor(store);
    await requestor.ready();
    // Until the launcher's own look at the uploads (every 5 s) sees the image, it declines, as
    // upstream does; Zuul then submits again. One job that ends fulfilled says it has seen it.
    await waitFor(async () => (await requestor!.runJob(['small'], 0, 30_000)).state === 'fulfilled',
      { timeoutMs: 40_000, intervalMs: 200, message: 'a first request fulfilled' }).catch(fail('warm-up'));
    const outcomes: RequestOutcome[] = [];
    let started = 0;
    await Promise.all([0, 1].map(async () => {
      while (started++ < JOBS) outcomes.push(await requestor!.runJob(['small'], 100, 50_000).catch(fail('job')));
    }));
    expect(outcomes.map((o) => o.state), logTail()).toEqual(Array(JOBS).fill('fulfilled'));

    // The launcher's cleanup (leaked servers need two passes), run here on the test's own session.
    const cleanup = new CleanupWorker({ store, getConfig: () => config, clock: systemClock, logger, hostname: 'foreign-cleanup',
      drivers: openStackDrivers(new Map([['sim', provider]]), { getConfig: () => config, clock: systemClock, logger }) });
    for (let i = 0; i < 3; i++) await cleanup.pass();
    // Two builder janitor passes over the image, each seen by a failed build it retired.
    for (const id of ['f00d0000000000000000000000000002', 'f00d0000000000000000000000000003']) {
      if (id.endsWith('3')) await failedBuild(id);
      await waitFor(async () => !(await store.buildExists('img', id)), { timeoutMs: 30_000, intervalMs: 100, message: `janitor retired ${id}` }).catch(fail('janitor'));
    }

    // ---- no process exited; nothing planted is gone; the cloud lost nothing it held.
    expect(procs.filter((p) => p.proc.exitCode !== null || p.proc.signalCode !== null).map((p) => p.name), logTail()).toEqual([]);
    const gone = [];
    for (const p of planted) if (!(await client.exists(p.path))) gone.push(p.path);
    expect(gone, logTail()).toEqual([]);
    const after = await sim.admin.state();
    const liveServers = new Set(after.servers.filter((s) => !s.deleting).map((s) => s.id));
    expect(before.servers.filter((s) => !liveServers.has(s.id)).map((s) => s.name)).toEqual([]);
    const imageIds = new Set(after.images.filter((i) => i.status !== 'deleted').map((i) => String(i.id)));
    expect(before.images.filter((i) => !imageIds.has(String(i.id))).map((i) => i.name)).toEqual([]);

    // ---- every listing answers, with the undecodable records as unreadable rows.
    const mustBeUnreadable = (kind: string) => planted.filter((p) => p.kind === kind && p.undecodable);
    const cli = async (cmd: string) => {
      const r = await runEntry('cli/main.ts', ['-c', configPath, cmd]);
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(0);
      return r.stdout.split('\n');
    };
    const unreadableLine = (lines: string[], ...ids: string[]) => lines.some((l) => ids.every((id) => l.includes(id)) && l.includes('unreadable'));
    const list = await cli('list');
    for (const p of mustBeUnreadable('node')) expect(unreadableLine(list, p.id), `list: node ${p.payload}`).toBe(true);
    const dib = await cli('dib-image-list');
    for (const p of [...mustBeUnreadable('build'), ...mustBeUnreadable('foreign-build')]) {
      expect(unreadableLine(dib, p.id), `dib-image-list: build ${p.payload}`).toBe(true);
    }
    const images = await cli('image-list');
    for (const p of mustBeUnreadable('upload')) expect(unreadableLine(images, p.id), `image-list: upload ${p.payload}`).toBe(true);

    const port = Number(/"port":(\d+)[^\n]*web app listening/.exec(launcher.out.join(''))?.[1]);
    expect(port, logTail()).toBeGreaterThan(0);
    const web = async (name: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/${name}`, { headers: { Accept: 'application/json' } });
      expect(res.status, name).toBe(200);
      return (await res.json()) as Record<string, unknown>[];
    };
    const marked = (rows: Record<string, unknown>[], key: string) =>
      new Set(rows.filter((r) => r.state === 'unreadable' && r.unreadable).map((r) => String(r[key])));
    const webNodes = marked(await web('node-list'), 'id');
    for (const p of mustBeUnreadable('node')) expect(webNodes.has(p.id), `node-list: ${p.payload}`).toBe(true);
    const webRequests = marked(await web('request-list'), 'id');
    for (const p of mustBeUnreadable('request')) expect(webRequests.has(p.id), `request-list: ${p.payload}`).toBe(true);
    const webBuilds = marked(await web('dib-image-list'), 'id');
    for (const p of mustBeUnreadable('build')) expect(webBuilds.has(`img-${p.id}`), `dib-image-list: ${p.payload}`).toBe(true);
    const webUploads = marked(await web('image-list'), 'upload_id');
    for (const p of mustBeUnreadable('upload')) expect(webUploads.has(p.id), `image-list: ${p.payload}`).toBe(true);
    for (const name of ['label-list', 'image-status']) await web(name);
  }, 120_000);
});
