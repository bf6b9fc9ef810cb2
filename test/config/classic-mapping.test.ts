// Classic keys keep their meaning in the model: crons, networks, keypair, meta, config-drive,
// cloud images, min-ready default 2, ZooKeeper default port 2181.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { cronProblem } from '../../src/config/normalize-classic.ts';

const dir = join(import.meta.dirname, '../fixtures/config');
const load = async (name: string) => (await loadConfig(join(dir, name), { env: {} })).config;

describe('classic format mapping', () => {
  it('defaults crons (check 15 min, cleanup every minute) and min-ready 2', async () => {
    const c = await load('classic-minimal-no-cron.yaml');
    expect(c.format).toBe('classic');
    expect(c.cron).toEqual({ check: '*/15 * * * *', cleanup: '* * * * *' });
    expect(c.labels[0]).toEqual({ name: 'trusty', minReady: 2, maxReadyAge: 0, readyScript: null });
    expect(c.diskimages[0]).toMatchObject({ name: 'dib-trusty', release: 'trusty', username: 'jenkins', elements: ['ubuntu', 'vm'] });
    const pool = c.providers[0].pools[0];
    expect(pool).toMatchObject({ name: 'main', maxServers: 4, networks: [], availabilityZones: [] });
    expect(pool.labels[0]).toMatchObject({ name: 'trusty', diskimage: 'dib-trusty', minRam: 2048, username: 'jenkins', privateKey: null, keyName: null });
  });

  it('maps networks of every spelling, availability zones, keypair, meta and config-drive', async () => {
    const p = (await load('classic-networks-variants.yaml')).providers[0];
    expect(p.pools[0].networks).toEqual(['private', '2d6c8a0e-1111-4222-8333-444455556666', 'lab-loopback']);
    expect(p.pools[0].availabilityZones).toEqual(['nova', 'az2']);
    expect(p.pools[0].labels[0]).toMatchObject({ keyName: 'nodepool', instanceProperties: { purpose: 'ci' }, configDrive: true });
    expect(p.diskimages[0]).toMatchObject({ name: 'dib-xenial', configDrive: true });
  });

  it('keeps six-field (seconds) crons', async () => {
    expect((await load('classic-cron-with-seconds.yaml')).cron).toEqual({ cleanup: '30 */5 * * * *', check: '0 */15 * * * *' });
  });

  it('validates cron strings with croner', () => {
    expect(cronProblem('*/15 * * * *')).toBeNull();
    expect(cronProblem('0 */15 * * * *')).toBeNull();
    expect(cronProblem('61 * * * *')).toContain('is not a valid cron schedule');
    expect(cronProblem('* * * * * * *')).toContain('has 7 fields');
  });

  it('takes the ready-script from the image when the label has none', async () => {
    const c = await load('classic-image-ready-script.yaml');
    expect(c.labels[0].readyScript).toBeNull();
    expect(c.providers[0].pools[0].labels[0].readyScript).toBe('prepare_node.sh');
  });

  it('turns an image without diskimage into a cloud image of that name', async () => {
    const p = (await load('classic-cloud-image-without-diskimage.yaml')).providers[0];
    expect(p.diskimages).toEqual([]);
    expect(p.cloudImages).toEqual([{ name: 'lab-image', configDrive: null, connectionType: 'ssh', connectionPort: 22,
      imageId: null, imageName: 'lab-image', username: 'debian', pythonPath: 'auto', shellType: null }]);
    expect(p.pools[0].labels[0]).toMatchObject({ diskimage: null, cloudImage: 'lab-image', username: 'debian' });
  });

  it('reads ZooKeeper servers with 0.4 default port 2181 and accepts zookeeper-tls', async () => {
    const c = await load('classic-zookeeper.yaml');
    expect(c.zookeeperServers).toEqual([
      { host: '127.0.0.1', port: 2181, chroot: null },
      { host: '127.0.0.2', port: 2281, chroot: '/nodepool' },
    ]);
    expect(c.zookeeperTls?.ca).toBe('/etc/nodepool/ca.crt');
  });

  it('gives each provider its own pool label for a label offered by two providers', async () => {
    const c = await load('classic-conflicting-usernames.yaml');
    expect(c.providers.map((p) => [p.name, p.pools[0].labels.map((l) => [l.name, l.username])])).toEqual([
      ['east', [['small', 'jenkins']]],
      ['west', [['small', 'zuul']]],
    ]);
    expect(c.diskimages[0].username).toBe('jenkins');
  });
});
