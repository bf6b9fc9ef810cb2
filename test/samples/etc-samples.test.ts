// Every sample an operator may copy from etc/ is a valid configuration.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClouds, validateConfig, type FileProbe } from '../../src/config/index.ts';
import { diskProbe } from '../../src/config/file-checks.ts';
import { projectRoot } from '../helpers/spawn.ts';

// The samples name the production key path; on a test machine it stands for a 0600 key file.
const SAMPLE_KEY = '/var/lib/nodepool/.ssh/id_rsa';
// The samples name the builder host's elements directory; pretend it is there, as the key.
const probe: FileProbe = (path) => (path === SAMPLE_KEY ? { isFile: true, mode: 0o600 }
  : path.endsWith('/elements') ? { isFile: false, isDirectory: true, mode: 0o755 } : diskProbe(path));
const sample = (p: string) => join(projectRoot, 'etc', p);

describe('etc/ samples', () => {
  it('etc/zuul/nodepool.yaml is a valid current-format config with TLS ZooKeeper', async () => {
    const { config, errors, warnings } = await validateConfig(sample('zuul/nodepool.yaml'), { env: {}, files: probe });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config!.format).toBe('current');
    expect(config!.zookeeperTls).toEqual({ ca: '/etc/nodepool/tls/ca.pem', cert: '/etc/nodepool/tls/client.pem', key: '/etc/nodepool/tls/client.key' });
    expect(config!.zookeeperServers.map((s) => `${s.host}:${s.port}`)).toEqual(['zk01.example.com:2281', 'zk02.example.com:2281', 'zk03.example.com:2281']);
    const jammy = config!.diskimages.find((d) => d.name === 'ubuntu-jammy')!;
    expect(jammy.elements).toEqual(['vm', 'simple-init', 'growroot', 'nodepool-minimal', 'ubuntu-minimal']);
    expect(jammy.envVars).toEqual({ DIB_CHECKSUM: '1' });
    expect(config!.webapp).toEqual({ port: 8005, listenAddress: '127.0.0.1' });
  });

  it('etc/classic/nodepool.yaml loads as the classic format, warning once about the Jenkins-era keys', async () => {
    const { config, errors, warnings } = await validateConfig(sample('classic/nodepool.yaml'), { env: {}, files: probe });
    expect(errors).toEqual([]);
    expect(config!.format).toBe('classic');
    expect(config!.cron).toEqual({ cleanup: '*/30 * * * *', check: '*/15 * * * *' });
    const ignored = warnings.map((w) => w.message).join('\n');
    for (const key of ['zmq-publishers', 'gearman-servers', 'targets']) expect(ignored).toContain(key);
    const label = config!.providers[0].pools[0].labels[0];
    expect(label).toMatchObject({ name: 'centos-7', diskimage: 'dib-centos-7', minRam: 2048, username: 'jenkins', privateKey: SAMPLE_KEY });
  });

  it('etc/packstack/nodepool.yaml finds run_packstack.sh beside it and keeps the ready-script', async () => {
    const { config, errors, warnings } = await validateConfig(sample('packstack/nodepool.yaml'), { env: {}, files: probe });
    expect(errors).toEqual([]);
    expect(warnings.filter((w) => w.message.includes('ready-script'))).toEqual([]);
    expect(config!.scriptsDir).toBe(sample('packstack/scripts'));
    const label = config!.providers[0].pools[0].labels[0];
    expect(label).toMatchObject({ name: 'rdo-ocata', readyScript: 'run_packstack.sh', nameFilter: 'm1.medium', minRam: 8192 });
    expect(config!.diskimages[0].elements).toContain('rdo-requirements');
    expect(config!.diskimages[0].envVars.RDO_RELEASE).toBe('ocata');
  });

  it('a missing private key is reported against the sample (the probe is not a rubber stamp)', async () => {
    // A file of this host: a warning by default, an error with strict (config-validate --strict).
    const { warnings } = await validateConfig(sample('classic/nodepool.yaml'), { env: {}, files: () => null });
    expect(warnings.map((e) => e.path)).toContainEqual(expect.stringContaining('private-key'));
    const { errors } = await validateConfig(sample('classic/nodepool.yaml'), { env: {}, files: () => null, strict: true });
    expect(errors.map((e) => e.path)).toContainEqual(expect.stringContaining('private-key'));
  });

  it('etc/clouds.yaml holds password and application-credential clouds', () => {
    const clouds = loadClouds({ env: { OS_CLIENT_CONFIG_FILE: sample('clouds.yaml') }, home: '/nonexistent', cwd: '/nonexistent' });
    expect(Object.keys(clouds.clouds).sort()).toEqual(['cloud-a', 'cloud-b', 'le-cloud']);
    expect(clouds.clouds['cloud-a'].auth.type).toBe('v3applicationcredential');
    expect(clouds.clouds['le-cloud'].auth.type).toBe('password');
    expect(clouds.clouds['cloud-b'].imageFormat).toBe('raw');
  });
});
