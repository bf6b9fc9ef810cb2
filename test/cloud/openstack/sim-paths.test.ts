// Client paths the contract suite does not cover, against the simulator: application credentials,
// project scoping by id, Glance paging through `next` and property filters, Nova flavor paging.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenStackProvider } from '../../../src/cloud/openstack/provider.ts';
import { startSimulator, type RunningSimulator } from '../../../src/cloud/sim/server.ts';
import { systemClock } from '../../../src/util/clock.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import { makeProviderConfig } from '../contract/fixtures.ts';
import { loadCloud, writeTestImage } from '../contract/targets.ts';

describe('simulator: auth variants and paging', () => {
  let sim: RunningSimulator;
  let dir: string;
  const providers: OpenStackProvider[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ config: { ssh: { enabled: false } } });
    dir = mkdtempSync(join(tmpdir(), 'np-sim-paths-'));
  });
  afterAll(async () => {
    for (const p of providers) await p.stop();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function provider(yaml: string): OpenStackProvider {
    const file = join(dir, `clouds-${providers.length}.yaml`);
    writeFileSync(file, yaml);
    const cloud = loadCloud('sim', { env: { OS_CLIENT_CONFIG_FILE: file }, home: dir, cwd: dir, systemDir: dir });
    const p = new OpenStackProvider(makeProviderConfig('sim'), cloud, { clock: systemClock, logger: silentLogger(), imagePollIntervalMs: 20 });
    providers.push(p);
    return p;
  }

  it.each([
    ['application credential by id', { auth: 'application_credential' as const }],
    ['password scoped to a project id', { auth: 'password' as const, projectBy: 'id' as const }],
    ['password scoped to a project name and domain', { auth: 'password' as const, projectBy: 'name' as const }],
  ])('%s', async (_name, options) => {
    const p = provider(sim.cloudsYaml('sim', options));
    await p.start();
    expect((await p.listFlavors()).length).toBeGreaterThan(0);
  });

  it('wrong password is a TerminalError naming Keystone, without the password', async () => {
    const p = provider(sim.cloudsYaml('sim').replace(/password: .*/, 'password: not-the-password'));
    const err = await p.start().catch((e) => e);
    expect(err.name).toBe('TerminalError');
    expect(err.details).toMatchObject({ status: 401, service: 'identity' });
    expect(String(err.message)).not.toContain('not-the-password');
  });

  it('follows Glance next links and filters on image properties', async () => {
    const p = provider(sim.cloudsYaml('sim'));
    const file = writeTestImage(dir, 1024);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await p.uploadImage({ name: `paged-${i}`, filePath: file, format: 'raw', metadata: { nodepool_build_id: i % 2 ? 'odd' : 'even' } })).id);
    }
    // Pages of 2 force three requests with `next`.
    const all = await p.glance.listImages({ limit: '2' });
    expect(all.map((i) => i.id).sort()).toEqual([...ids].sort());
    const odd = await p.glance.listImages({ nodepool_build_id: 'odd', limit: '1' });
    expect(odd.map((i) => i.name).sort()).toEqual(['paged-1', 'paged-3']);
    for (const id of ids) await p.deleteImage(id);
    expect(await p.listImages()).toEqual([]);
  });

  it('follows Nova flavor pages', async () => {
    const p = provider(sim.cloudsYaml('sim'));
    p.nova.pageSize = 2;
    const names = (await p.nova.listFlavors()).map((f) => f.name);
    expect(names).toHaveLength(5);
    expect(new Set(names).size).toBe(5);
  });
});
