// Current-format files map to the model with upstream's code defaults.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../../src/config/load.ts';
import { validateConfigText } from '../../src/config/load.ts';

const dir = join(import.meta.dirname, '../fixtures/config');
const load = async (name: string, env: Record<string, string> = {}, secure?: string) =>
  (await loadConfig(join(dir, name), { env, secure: secure && join(dir, secure) })).config;

describe('current format', () => {
  it('fills upstream code defaults (not the docs)', async () => {
    const c = await load('current-minimal.yaml');
    expect(c.format).toBe('current');
    expect(c.zookeeperServers).toEqual([{ host: '127.0.0.1', port: 2281, chroot: null }]);
    expect(c.zookeeperTimeout).toBe(10);
    expect(c.webapp).toEqual({ port: 8005, listenAddress: '127.0.0.1' });
    expect(c.buildLogDir).toBe('/var/log/nodepool/builds');
    expect(c.buildLogRetention).toBe(7);
    expect(c.maxHoldAge).toBe(Infinity);
    // No crons in this format: a check every 15 minutes, cleanup every minute.
    expect(c.cron).toEqual({ check: '*/15 * * * *', cleanup: '* * * * *' });
    expect(c.scriptsDir).toBe(join(dir, 'scripts'));
    expect(c.labels).toEqual([{ name: 'ubuntu-jammy', minReady: 1, maxReadyAge: 0, readyScript: null }]);
    expect(c.diskimages[0]).toMatchObject({
      dibCmd: 'disk-image-create', rebuildAge: 86400, buildTimeout: 28800, username: 'zuul',
      pythonPath: 'auto', pause: false, formats: [], release: null, envVars: {},
    });
    const p = c.providers[0];
    expect(p).toMatchObject({
      driver: 'openstack', maxConcurrency: -1, priority: 100, bootTimeout: 60, launchTimeout: 3600,
      launchRetries: 3, rate: 1.0, imageUploadTimeout: 3600, imageNameFormat: '{image_name}-{timestamp}',
      cleanFloatingIps: false, portCleanupInterval: 600, postUploadHook: null, imageType: null,
    });
    expect(p.diskimages[0]).toEqual({ name: 'ubuntu-jammy', pause: false, meta: {}, configDrive: null, connectionType: 'ssh', connectionPort: 22 });
    expect(p.pools[0]).toMatchObject({
      name: 'main', maxServers: 5, maxCores: Infinity, maxRam: Infinity, ignoreProviderQuota: false,
      networks: ['private'], autoFloatingIp: true, hostKeyChecking: true, priority: 100,
    });
    expect(p.pools[0].labels[0]).toMatchObject({
      diskimage: 'ubuntu-jammy', cloudImage: null, minRam: 2048, consoleLog: false, bootFromVolume: false,
      volumeSize: 50, networks: null, hostKeyChecking: null, keyName: null,
    });
  });

  it('maps every key of a full file', async () => {
    const c = await load('current-full.yaml');
    expect(c.zookeeperServers).toEqual([
      { host: 'zk1.example.org', port: 2182, chroot: '/nodepool' },
      { host: '::1', port: 2281, chroot: null },
    ]);
    expect(c.zookeeperTls).toEqual({ cert: '/etc/nodepool/zk.crt', key: '/etc/nodepool/zk.key', ca: '/etc/nodepool/ca.crt' });
    expect(c.zookeeperTimeout).toBe(30.5);
    expect(c.labels[1]).toEqual({ name: 'windows', minReady: -1, maxReadyAge: 0, readyScript: null });
    expect(c.diskimages[0]).toMatchObject({
      dibCmd: '/opt/dib/bin/disk-image-create', formats: ['qcow2', 'raw'], keepFormats: ['qcow2'],
      deleteAfterUpload: true, release: '22.04', rebuildAge: 3600, buildTimeout: 7200,
      username: 'ubuntu', pythonPath: '/usr/bin/python3', shellType: 'bash', metadata: { os: 'ubuntu' },
    });
    expect(c.webapp).toEqual({ port: 8080, listenAddress: '127.0.0.1' });
    expect(c.buildLogRetention).toBe(-1);
    expect(c.maxHoldAge).toBe(86400);
    expect(c.tenantResourceLimits).toEqual([
      { tenantName: 'example', limits: { instances: 10, cores: 40, ram: 81920, gpus: 2 } },
    ]);
    const p = c.providers[0];
    expect(p).toMatchObject({ maxConcurrency: 10, priority: 50, regionName: 'RegionOne', launchRetries: 5, rate: 0.5,
      imageNameFormat: '{image_name}-{upload_id}', cleanFloatingIps: true, portCleanupInterval: 0,
      postUploadHook: '/usr/local/bin/after-upload' });
    expect(p.diskimages[0]).toEqual({ name: 'ubuntu-jammy', pause: true, meta: { purpose: 'ci' }, configDrive: true, connectionType: 'ssh', connectionPort: 2222 });
    expect(p.cloudImages[0]).toEqual({
      name: 'windows-2022', configDrive: false, connectionType: 'winrm', connectionPort: 5986,
      imageId: '0b4ae1b8-8c3d-4c5f-9d6a-2d7b7c1e2f10', imageName: null, username: 'Administrator',
      pythonPath: 'auto', shellType: 'cmd',
    });
    const pool = p.pools[0];
    expect(pool).toMatchObject({ maxServers: 20, maxCores: 80, maxRam: 163840, maxVolumes: 10, maxVolumeGb: 500,
      ignoreProviderQuota: true, availabilityZones: ['az1', 'az2'], securityGroups: ['default', 'ssh'],
      autoFloatingIp: false, hostKeyChecking: false, nodeAttributes: { rack: 'r1' }, priority: 10 });
    expect(pool.labels[0]).toMatchObject({ flavorName: 'm1.large', keyName: 'ci-key', consoleLog: true,
      bootFromVolume: true, volumeSize: 80, instanceProperties: { team: 'infra' },
      dynamicInstanceProperties: { request: '{request.id}' }, userdata: '#cloud-config', networks: ['private'], hostKeyChecking: true });
    expect(pool.labels[1]).toMatchObject({ name: 'windows', diskimage: null, cloudImage: 'windows-2022', minRam: null });
  });

  it('resolves diskimage parents: elements append, env-vars update, scalars override', async () => {
    const c = await load('current-diskimage-parents.yaml');
    const [base, centos, centos9] = c.diskimages;
    expect(base.abstract).toBe(true);
    expect(centos.elements).toEqual(['vm', 'growroot', 'centos-minimal']);
    expect(centos9).toMatchObject({
      abstract: false, parent: 'centos', release: '9', username: 'cloud-user', rebuildAge: 3600,
      elements: ['vm', 'growroot', 'centos-minimal'],
      envVars: { DIB_CHECKSUM: '1', TMPDIR: '/var/tmp' },
    });
  });

  it('looks cloud images up by image-name, image-id or their own name', async () => {
    const imgs = (await load('current-cloud-image.yaml')).providers[0].cloudImages;
    expect(imgs.map((i) => [i.name, i.imageName, i.imageId, i.username])).toEqual([
      ['debian-named', 'debian-12-genericcloud', null, 'debian'],
      // No username set: none, as upstream (not zuul).
      ['debian-id', null, '3f1c3a6e-0000-4000-8000-000000000001', null],
      ['lab-image', 'lab-image', null, null],
    ]);
  });

  it('substitutes %(NODEPOOL_X) in the text from the given environment', async () => {
    const c = await load('current-env-substitution.yaml', { NODEPOOL_PORT: '8123', NODEPOOL_HOME: '/srv/np', NODEPOOL_CLOUD: 'lab-demo', HOME: '/ignored' });
    expect(c.webapp.port).toBe(8123);
    expect(c.imagesDir).toBe('/srv/np/images');
    expect(c.providers[0].cloud).toBe('lab-demo');
    // The comment's %(NODEPOOL_X) is named too (unset): a name the file uses is never forwarded.
    expect(c.consumedEnvVars).toEqual(['NODEPOOL_CLOUD', 'NODEPOOL_HOME', 'NODEPOOL_PORT', 'NODEPOOL_X']);
  });

  it('reads YAML 1.1 scalars as PyYAML does', async () => {
    const c = await load('current-yaml11-scalars.yaml');
    const p = c.providers[0];
    expect(c.labels[0].maxReadyAge).toBe(90);
    expect(p.cleanFloatingIps).toBe(true);
    expect(p.portCleanupInterval).toBe(0o755);
    expect(p.cloudImages[0].configDrive).toBe(true);
    expect(p.pools[0].autoFloatingIp).toBe(false);
    expect(p.pools[0].hostKeyChecking).toBe(false);
    expect(p.pools[0].labels[0].bootFromVolume).toBe(true);
  });

  it('honours anchors and << merge keys', async () => {
    const labels = (await load('current-merge-keys.yaml')).providers[0].pools[0].labels;
    expect(labels.map((l) => [l.name, l.diskimage, l.minRam, l.keyName])).toEqual([
      ['small', 'debian', 1024, 'ci'],
      ['large', 'debian', 8192, 'ci'],
    ]);
  });

  it('defaults winrm to port 5986 and ssh to 22', async () => {
    const imgs = (await load('current-winrm-default-port.yaml')).providers[0].cloudImages;
    expect(imgs.map((i) => [i.connectionType, i.connectionPort])).toEqual([['winrm', 5986], ['ssh', 22]]);
  });

  it('counts min-ready against every pool offering the label', async () => {
    const r = await validateConfig(join(dir, 'current-two-providers.yaml'), { env: {} });
    expect(r.warnings).toEqual([]);
    expect(r.config?.providers.map((p) => p.regionName)).toEqual([null, 'RegionTwo']);
  });

  it('merges the secure file: zookeeper replaced, TLS set, env-vars added', async () => {
    const c = await load('secure-main.yaml', {}, 'secure/secure-file.yaml');
    expect(c.secureFile).toBe(join(dir, 'secure/secure-file.yaml'));
    expect(c.zookeeperServers).toEqual([{ host: '127.0.0.1', port: 2281, chroot: null }]);
    expect(c.zookeeperTls?.cert).toBe('/etc/nodepool/secure/zk.crt');
    expect(c.diskimages[0].envVars).toEqual({ DIB_RELEASE: 'bookworm', REGISTRY_PASSWORD: 'hunter2-secret', MIRROR_TOKEN: 't0k3n' });
    expect(c.diskimages[0].secureEnvVars).toEqual(['REGISTRY_PASSWORD', 'MIRROR_TOKEN']);
  });

  it('rejects a secure file naming an unknown diskimage, at its line', async () => {
    const r = await validateConfig(join(dir, 'secure-main.yaml'), { env: {}, secure: join(dir, 'secure/secure-file-unknown-diskimage.yaml') });
    expect(r.config).toBeNull();
    expect(r.errors.map((e) => [e.file, e.line, e.col, e.path])).toEqual([
      [join(dir, 'secure/secure-file-unknown-diskimage.yaml'), 5, 11, 'diskimages[1].name'],
    ]);
  });

  it('reports an unreadable file as a problem, not a crash', async () => {
    const r = await validateConfig('does-not-exist.yaml', { env: {}, cwd: dir });
    expect(r.config).toBeNull();
    expect(r.errors).toEqual([expect.objectContaining({ file: join(dir, 'does-not-exist.yaml'), line: 0, message: expect.stringContaining('ENOENT') })]);
  });

  it('refuses an empty file', () => {
    const r = validateConfigText({ file: '/x/empty.yaml', text: '# nothing\n', env: {} });
    expect(r.errors.map((e) => e.message)).toEqual(['got an empty file (expected a mapping of nodepool settings)']);
  });
});
