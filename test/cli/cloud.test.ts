// The commands that talk to the cloud (delete --now, alien-image-list), against the project's
// OpenStack simulator over HTTP on loopback and a real ZooKeeper.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliHarness, type CliHarness } from './cli-harness.ts';
import { makeNode, makeBuild, makeUpload } from '../web/status-fixtures.ts';
import { startSimulator, type RunningSimulator } from '../../src/cloud/sim/server.ts';
import { loadConfig } from '../../src/config/load.ts';
import { loadClouds } from '../../src/config/clouds/load-clouds.ts';
import { OpenStackProvider } from '../../src/cloud/openstack/provider.ts';
import { systemClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { waitFor } from '../helpers/wait.ts';

let h: CliHarness;
let sim: RunningSimulator;
let env: Record<string, string>;
let provider: OpenStackProvider;

beforeAll(async () => {
  h = await cliHarness('cli-cloud');
  sim = await startSimulator({ config: { ssh: { enabled: false }, buildDelayMs: 50, deleteDelayMs: 50 } });
  const clouds = join(h.dir, 'clouds.yaml');
  writeFileSync(clouds, sim.cloudsYaml('lab'));
  env = { OS_CLIENT_CONFIG_FILE: clouds };
  const { config } = await loadConfig(h.configPath, { env: {}, cwd: h.dir });
  const cloud = loadClouds({ env, home: h.dir, cwd: h.dir, systemDir: h.dir }).clouds.lab;
  provider = new OpenStackProvider(config.providers[0], cloud, { clock: systemClock, logger: silentLogger() });
  await provider.start();
});
afterAll(async () => {
  await provider?.stop();
  await sim?.close();
  await h?.close();
});

describe('cloud commands', () => {
  it('delete --now deletes the server in the cloud and then the node record', async () => {
    const server = await sim.admin.injectServer({ name: 'np-delete-now' });
    const { id: _i, ...fields } = makeNode({ id: 'x', provider: 'cloud-a', type: ['small'], external_id: server.id, state: 'ready', state_time: 1 });
    const node = await h.store.createNode(fields);
    const r = await h.run(['delete', '--now', node.id], [], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await h.store.getNode(node.id)).toBeNull();
    await waitFor(async () => !(await sim.admin.listServers()).some((s) => s.id === server.id), { message: 'server gone from the simulator' });
  });

  it('alien-image-list shows nodepool images no upload record knows', async () => {
    const file = join(h.dir, 'tiny.qcow2');
    writeFileSync(file, Buffer.alloc(4096, 7));
    const known = await provider.uploadImage({ name: 'ubuntu-jammy-known', filePath: file, format: 'qcow2', metadata: { nodepool_build_id: 'b1' } });
    const alien = await provider.uploadImage({ name: 'ubuntu-jammy-alien', filePath: file, format: 'qcow2', metadata: { nodepool_build_id: 'b0' } });
    await provider.uploadImage({ name: 'someone-elses', filePath: file, format: 'qcow2', metadata: {} });
    await h.store.createBuild(makeBuild({ id: 'b1', image: 'ubuntu-jammy', state: 'ready', state_time: 1 }));
    const { id: _u, ...u } = makeUpload({ id: 'x', image: 'ubuntu-jammy', build_id: 'b1', provider: 'cloud-a', external_id: known.id, state: 'ready', state_time: 1 });
    await h.store.createUpload(u);
    const r = await h.run(['alien-image-list', 'cloud-a'], [], env);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^\| Provider +\| Name +\| Image ID +\|$/);
    expect(lines.slice(3, -1)).toHaveLength(1);
    expect(lines[3]).toContain(`| cloud-a  | ubuntu-jammy-alien | ${alien.id} |`);
    const json = JSON.parse((await h.run(['alien-image-list', '--json'], [], env)).stdout);
    expect(json).toEqual([{ provider: 'cloud-a', name: 'ubuntu-jammy-alien', id: alien.id }]);
  });
});
