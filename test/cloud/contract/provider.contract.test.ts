// ONE contract for OpenStackProvider, run against every target (simulator; a real cloud with OS_CLOUD).
// Everything it creates carries the run prefix and is removed again; the last test proves that.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalError } from '../../../src/cloud/errors.ts';
import type { ServerInfo } from '../../../src/cloud/provider.ts';
import { makeLabel, makePool, runCreate, runDelete, serverSpec } from './fixtures.ts';
import { contractTargets, writeTestImage, type ContractEnv } from './targets.ts';

describe.each(contractTargets)('OpenStackProvider contract: $name', (target) => {
  let t: ContractEnv;
  let dir: string;
  const createdFips = new Set<string>();

  beforeAll(async () => {
    t = await target.setup();
    dir = mkdtempSync(join(tmpdir(), 'np-contract-files-'));
  }, 120_000);

  afterAll(async () => {
    if (!t) return;
    // Best effort: whatever a failed test left behind goes now.
    for (const s of await t.provider.listServers().catch(() => [])) {
      if (s.name.startsWith(t.prefix)) await runDelete(t.provider.deleteServer(s.externalId), { timeoutMs: t.timeoutMs, intervalMs: t.pollMs }).catch(() => undefined);
    }
    for (const i of await t.provider.listImages().catch(() => [])) if (i.name.startsWith(`${t.prefix}-up`)) await t.provider.deleteImage(i.id).catch(() => undefined);
    for (const id of createdFips) await t.provider.deleteFloatingIp(id).catch(() => undefined);
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  const poll = () => ({ timeoutMs: t.timeoutMs, intervalMs: t.pollMs });
  const label = (extra = {}) => makeLabel({ flavorName: t.flavor, ...extra });
  const pool = (extra = {}) => makePool({ networks: [t.network], ...extra });

  it('authenticates and reads flavors, zones and limits', async () => {
    const flavors = await t.provider.listFlavors();
    expect(flavors.map((f) => f.name)).toContain(t.flavor);
    expect(flavors.every((f) => f.vcpus > 0 && f.ram > 0)).toBe(true);
    expect((await t.provider.listAvailabilityZones()).length).toBeGreaterThan(0);
    const limits = await t.provider.quotaLimits();
    for (const k of ['cores', 'instances', 'ram']) expect(limits[k]).toBeGreaterThan(0);
    const q = await t.provider.quotaForLabel(label());
    const flavor = flavors.find((f) => f.name === t.flavor)!;
    expect(q).toEqual({ cores: flavor.vcpus, instances: 1, ram: flavor.ram });
    expect(t.provider.imageFormat()).toBe(t.cloud.imageFormat ?? 'qcow2');
  });

  it('uploads an image with metadata, lists, finds and deletes it', async () => {
    const file = writeTestImage(dir, 3 * 1024 * 1024 + 17);
    const name = `${t.prefix}-upload`;
    const meta = { nodepool_build_id: `${t.prefix}-b1`, nodepool_upload_id: '0000000001', nodepool_provider_name: 'contract' };
    const image = await t.provider.uploadImage({ name, filePath: file, format: 'qcow2', metadata: meta, md5: 'd41d8cd98f00b204e9800998ecf8427e' });
    expect(image).toMatchObject({ name, status: 'active' });
    expect(image.metadata).toMatchObject({ ...meta, 'owner_specified.openstack.md5': 'd41d8cd98f00b204e9800998ecf8427e' });
    const listed = (await t.provider.listImages()).find((i) => i.id === image.id);
    expect(listed?.metadata).toMatchObject(meta);
    expect((await t.provider.glance.listImages({ nodepool_build_id: meta.nodepool_build_id })).map((i) => i.id)).toEqual([image.id]);
    expect((await t.provider.findImage(name))?.id).toBe(image.id);
    expect((await t.provider.findImage(image.id))?.name).toBe(name);
    await t.provider.deleteImage(image.id);
    expect(await t.provider.findImage(image.id)).toBeNull();
    await t.provider.deleteImage(image.id); // already gone: no error
  });

  let server: ServerInfo;

  it('creates a server through the state machine', async () => {
    const hostname = `${t.prefix}-s1`;
    const sm = t.provider.createServer(serverSpec(hostname, label(), pool(), t.imageId));
    expect(sm.state).toBe('start');
    server = await runCreate(sm, poll());
    expect(sm.externalId).toBe(server.externalId);
    expect(server).toMatchObject({ name: hostname, status: 'ACTIVE', fault: null });
    expect(server.metadata).toMatchObject({ nodepool_node_id: hostname.slice(2), nodepool_provider_name: 'contract' });
    expect(server.privateIpv4).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(server.interfaceIp).toBe(server.publicIpv4 ?? server.privateIpv4);
    expect(server.cores).toBeGreaterThan(0);
    expect(server.ram).toBeGreaterThan(0);
  });

  it('lists, finds and reads the server, its ports and console', async () => {
    const listed = (await t.provider.listServers()).find((s) => s.externalId === server.externalId);
    expect(listed?.metadata.nodepool_node_id).toBe(server.metadata.nodepool_node_id);
    expect((await t.provider.findServerByName(server.name))?.externalId).toBe(server.externalId);
    expect(await t.provider.findServerByName(`${server.name}x`)).toBeNull();
    expect((await t.provider.getServer(server.externalId))?.status).toBe('ACTIVE');
    const ports = await t.provider.listPorts({ deviceId: server.externalId });
    expect(ports.length).toBeGreaterThan(0);
    expect(ports[0].deviceId).toBe(server.externalId);
    expect(typeof (await t.provider.consoleLog(server.externalId))).toBe('string');
  });

  it('deletes the server and is idempotent about it', async () => {
    await runDelete(t.provider.deleteServer(server.externalId), poll());
    expect(await t.provider.getServer(server.externalId)).toBeNull();
    expect(await t.provider.findServerByName(server.name)).toBeNull();
    const again = t.provider.deleteServer(server.externalId);
    await runDelete(again, poll());
    expect(again.state).toBe('complete');
  });

  it('attaches a floating IP when the pool wants one, and deletes it with the server', async (ctx) => {
    if (!t.testFloatingIps) ctx.skip();
    const sm = t.provider.createServer(serverSpec(`${t.prefix}-fip`, label(), pool({ autoFloatingIp: true }), t.imageId));
    const s = await runCreate(sm, poll());
    expect(s.publicIpv4).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(s.publicIpv4).not.toBe(s.privateIpv4);
    expect(s.interfaceIp).toBe(s.publicIpv4);
    const fip = (await t.provider.listFloatingIps()).find((f) => f.address === s.publicIpv4);
    expect(fip?.portId).toBeTruthy();
    createdFips.add(fip!.id);
    await runDelete(t.provider.deleteServer(s.externalId), poll());
    expect((await t.provider.listFloatingIps()).some((f) => f.id === fip!.id)).toBe(false);
    createdFips.delete(fip!.id);
  });

  it('refuses unknown flavors and networks before creating anything', async () => {
    const badFlavor = t.provider.createServer(serverSpec(`${t.prefix}-bad1`, label({ flavorName: 'no-such-flavor' }), pool(), t.imageId));
    await expect(badFlavor.advance()).rejects.toBeInstanceOf(TerminalError);
    expect(badFlavor.externalId).toBeNull();
    const badNet = t.provider.createServer(serverSpec(`${t.prefix}-bad2`, label(), pool({ networks: ['no-such-network'] }), t.imageId));
    await expect(badNet.advance()).rejects.toThrow(/network no-such-network not found/);
    expect(badNet.externalId).toBeNull();
  });

  it('treats unknown ids as gone', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await t.provider.getServer(unknown)).toBeNull();
    const sm = t.provider.deleteServer(unknown);
    await runDelete(sm, poll());
    expect(sm.complete).toBe(true);
    await t.provider.deleteFloatingIp(unknown);
    await t.provider.deletePort(unknown);
  });

  it('left nothing behind', async () => {
    const servers = (await t.provider.listServers()).filter((s) => s.name.startsWith(t.prefix));
    const images = (await t.provider.listImages()).filter((i) => i.name.startsWith(`${t.prefix}-up`));
    const fips = (await t.provider.listFloatingIps()).filter((f) => createdFips.has(f.id));
    expect({ servers, images, fips }).toEqual({ servers: [], images: [], fips: [] });
    if (t.sim) {
      // The simulator shows everything, so check the whole project: only the boot image remains.
      const state = await t.sim.admin.state();
      expect({ servers: state.servers, ports: state.ports, fips: state.floatingIps }).toEqual({ servers: [], ports: [], fips: [] });
      expect(state.images.map((i) => i.id)).toEqual([t.imageId]);
    }
  });
});
