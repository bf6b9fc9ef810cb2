// Pure decisions of the client: quota faults, flavor choice, retry table, pagination guard, request bodies.
import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../src/cloud/errors.ts';
import { chooseFlavor } from '../../../src/cloud/openstack/flavor-choice.ts';
import { createImageBody } from '../../../src/cloud/openstack/glance.ts';
import { createServerBody } from '../../../src/cloud/openstack/nova.ts';
import { collectPages, nextPageUrl } from '../../../src/cloud/openstack/pagination.ts';
import { isQuotaMessage, isQuotaResponse } from '../../../src/cloud/openstack/quota-errors.ts';
import { quotaFromLimits } from '../../../src/cloud/openstack/quota-limits.ts';
import { decideRetry, parseRetryAfter, RETRY_POLICY } from '../../../src/cloud/openstack/retry-policy.ts';

describe('quota faults', () => {
  it.each([
    'Quota exceeded for cores: Requested 8, but already used 20 of 20 cores',
    'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances',
    'Maximum number of ports exceeded',
    'Requested volume or snapshot exceeds allowed gigabytes quota',
    "Quota exceeded for resources: ['port'].",
  ])('"%s" is a quota fault', (m) => expect(isQuotaMessage(m)).toBe(true));

  it.each(['No valid host was found. There are not enough hosts available.', 'Invalid flavorRef', '', null])('"%s" is not', (m) => {
    expect(isQuotaMessage(m)).toBe(false);
  });

  it('only refusal statuses count', () => {
    expect(isQuotaResponse(403, 'Quota exceeded for ram')).toBe(true);
    expect(isQuotaResponse(413, 'Quota exceeded for ram')).toBe(true);
    expect(isQuotaResponse(500, 'Quota exceeded for ram')).toBe(false);
  });
});

describe('chooseFlavor', () => {
  const flavors = [
    { id: '3', name: 'm1.medium', vcpus: 2, ram: 4096, disk: 40 },
    { id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 },
    { id: '2', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
    { id: '9', name: 'perf.small', vcpus: 2, ram: 2048, disk: 20 },
  ];
  const label = { name: 'l', minRam: null as number | null, flavorName: null as string | null, nameFilter: null as string | null };

  it('min-ram picks the smallest flavor with enough ram, ties by name', () => {
    expect(chooseFlavor(flavors, { ...label, minRam: 1024 })).toEqual({ flavor: flavors[2] });
    expect(chooseFlavor(flavors, { ...label, minRam: 1024, flavorName: 'perf' })).toEqual({ flavor: flavors[3] });
    expect(chooseFlavor(flavors, { ...label, minRam: 100, nameFilter: 'medium' })).toEqual({ flavor: flavors[0] });
    expect(chooseFlavor(flavors, { ...label, minRam: 99999 })).toHaveProperty('error');
  });

  it('flavor-name matches a name exactly or an id', () => {
    expect(chooseFlavor(flavors, { ...label, flavorName: 'm1.tiny' })).toEqual({ flavor: flavors[1] });
    expect(chooseFlavor(flavors, { ...label, flavorName: '3' })).toEqual({ flavor: flavors[0] });
    expect(chooseFlavor(flavors, { ...label, flavorName: 'm1' })).toHaveProperty('error');
  });
});

describe('retry table', () => {
  it('follows RETRY_POLICY', () => {
    const s503 = { kind: 'status', status: 503, quota: false, retryAfterMs: null } as const;
    expect(decideRetry('GET', 1, s503)).toEqual({ retry: true, delayMs: 500, rule: 'serverError' });
    expect(decideRetry('GET', 3, s503)).toEqual({ retry: true, delayMs: 2000, rule: 'serverError' });
    expect(decideRetry('GET', RETRY_POLICY.serverError.attempts, s503).retry).toBe(false);
    expect(decideRetry('POST', 1, s503).retry).toBe(false);
    expect(decideRetry('POST', 1, { kind: 'connection', refused: true }).retry).toBe(true);
    expect(decideRetry('POST', 1, { kind: 'connection', refused: false }).retry).toBe(false);
    expect(decideRetry('DELETE', 1, { kind: 'timeout' }).retry).toBe(true);
    expect(decideRetry('POST', 1, { kind: 'status', status: 413, quota: true, retryAfterMs: 0 }).retry).toBe(false);
    expect(decideRetry('POST', 1, { kind: 'status', status: 413, quota: false, retryAfterMs: 2000 })).toEqual({ retry: true, delayMs: 2000, rule: 'throttled' });
    expect(decideRetry('GET', 1, { kind: 'status', status: 409, quota: false, retryAfterMs: null }).retry).toBe(false);
    expect(decideRetry('GET', 1, s503, false).retry).toBe(false);
  });

  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('5', 0)).toBe(5000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
    expect(parseRetryAfter(undefined, 0)).toBeNull();
  });
});

describe('pagination', () => {
  it('keeps only the query of next links (services build links with their own host)', () => {
    expect(nextPageUrl('http://127.0.0.1:8774/v2.1/servers/detail?limit=2', 'http://controller:8774/v2.1/servers/detail?limit=2&marker=abc'))
      .toBe('http://127.0.0.1:8774/v2.1/servers/detail?limit=2&marker=abc');
    expect(nextPageUrl('http://127.0.0.1:9292/v2/images', '/v2/images?marker=m1')).toBe('http://127.0.0.1:9292/v2/images?marker=m1');
  });

  it('follows pages and stops on the last one', async () => {
    const pages: Record<string, { items: number[]; next: string | null }> = {
      'http://x/s': { items: [1, 2], next: '/s?marker=2' },
      'http://x/s?marker=2': { items: [3, 4], next: '/s?marker=4' },
      'http://x/s?marker=4': { items: [5], next: null },
    };
    expect(await collectPages('http://x/s', async (u) => pages[u])).toEqual([1, 2, 3, 4, 5]);
  });

  it('rejects a repeated marker and too many pages', async () => {
    await expect(collectPages('http://x/s', async () => ({ items: [1], next: '/s?marker=same' }))).rejects.toThrow(/same next page twice/);
    let n = 0;
    const endless = collectPages('http://x/s', async () => ({ items: [n], next: `/s?marker=${++n}` }), { maxPages: 50 });
    await expect(endless).rejects.toThrow(TerminalError);
    expect(n).toBe(50);
  });
});

describe('request bodies', () => {
  it('server create carries everything nodepool sends', () => {
    const { server } = createServerBody({
      name: 'np0000000001', imageRef: 'img', flavorRef: '2', networks: ['n1', 'n2'], keyName: 'k',
      availabilityZone: 'az1', securityGroups: ['default'], userData: '#cloud-config\n', configDrive: true,
      metadata: { nodepool_node_id: '0000000001' },
    });
    expect(server).toEqual({
      name: 'np0000000001', imageRef: 'img', flavorRef: '2', networks: [{ uuid: 'n1' }, { uuid: 'n2' }], key_name: 'k',
      availability_zone: 'az1', security_groups: [{ name: 'default' }], user_data: Buffer.from('#cloud-config\n').toString('base64'),
      config_drive: true, metadata: { nodepool_node_id: '0000000001' },
    });
  });

  it('boot from volume moves the image into block_device_mapping_v2; no networks means auto', () => {
    const { server } = createServerBody({ name: 'n', imageRef: 'img', flavorRef: '1', networks: [], bootVolumeSize: 50 });
    expect(server.imageRef).toBe('');
    expect(server.networks).toBe('auto');
    expect(server.block_device_mapping_v2).toEqual([{ boot_index: '0', uuid: 'img', source_type: 'image', destination_type: 'volume', volume_size: 50, delete_on_termination: true }]);
  });

  it('image create: private bare image, metadata as top-level strings, owner_specified checksums', () => {
    expect(createImageBody({ name: 'img-1', diskFormat: 'qcow2', properties: { nodepool_build_id: 'b1', status: 'evil' }, md5: 'm', sha256: 's' })).toEqual({
      name: 'img-1', disk_format: 'qcow2', container_format: 'bare', visibility: 'private', nodepool_build_id: 'b1',
      'owner_specified.openstack.md5': 'm', 'owner_specified.openstack.sha256': 's', 'owner_specified.openstack.object': 'images/img-1',
    });
  });

  it('limits: -1 and missing are unlimited', () => {
    expect(quotaFromLimits({ maxTotalCores: -1, maxTotalInstances: 10 })).toEqual({ cores: Infinity, instances: 10, ram: Infinity });
  });
});
