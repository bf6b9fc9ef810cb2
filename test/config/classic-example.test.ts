// The classic "standalone Nodepool" blog example loads and maps to the internal model,
// field by field. The private key is a real 0600 file in a temp dir (a copy of the example
// points at it), so the file checks run against the disk.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/config/errors.ts';
import type { NodepoolConfig } from '../../src/config/model.ts';

const fixtures = join(import.meta.dirname, '../fixtures/config');
let dir: string;
let keyPath: string;
let configPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nodepool-classic-'));
  keyPath = join(dir, 'id_rsa');
  writeFileSync(keyPath, '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n');
  chmodSync(keyPath, 0o600);
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(fixtures, 'scripts/run_packstack.sh'), join(dir, 'scripts/run_packstack.sh'));
  configPath = join(dir, 'nodepool.yaml');
  const text = readFileSync(join(fixtures, 'classic-blog-example.yaml'), 'utf8');
  mkdirSync(join(dir, 'elements'));
  writeFileSync(configPath, text.replaceAll('/var/lib/nodepool/.ssh/id_rsa', keyPath).replace('elements-dir: /etc/nodepool/elements', `elements-dir: ${join(dir, 'elements')}`));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('classic blog example', () => {
  let config: NodepoolConfig;

  it('loads with one warning naming the keys that mean nothing here', async () => {
    const loaded = await loadConfig(configPath, { env: {} });
    config = loaded.config;
    expect(loaded.warnings).toHaveLength(1);
    expect(loaded.warnings[0]).toMatchObject({ severity: 'warning', line: 6, col: 1, path: 'zmq-publishers' });
    expect(loaded.warnings[0].message).toContain('zmq-publishers, gearman-servers, targets, providers[0].pool');
  });

  it('maps the top level', () => {
    expect(config.format).toBe('classic');
    expect(config.configFile).toBe(configPath);
    expect(config.scriptsDir).toBe(join(dir, 'scripts'));
    expect(config.elementsDir).toBe(join(dir, 'elements'));
    expect(config.imagesDir).toBe('/var/lib/nodepool/dib');
    expect(config.cron).toEqual({ cleanup: '*/30 * * * *', check: '*/15 * * * *' });
    expect(config.zookeeperServers).toEqual([]);
    expect(config.zookeeperTls).toBeNull();
    expect(config.deleteInterval).toBe(5);
    expect(config.webapp).toEqual({ port: 8005, listenAddress: '127.0.0.1' });
    expect(config.tenantResourceLimits).toEqual([]);
    expect(config.maxHoldAge).toBe(Infinity);
  });

  it('maps the diskimages, with the username of the images using them', () => {
    expect(config.diskimages.map((d) => d.name)).toEqual(['dib-centos-7', 'dib-rdo-ocata']);
    const [centos, rdo] = config.diskimages;
    expect(centos.elements).toEqual(['centos-minimal', 'vm', 'dhcp-all-interfaces', 'growroot', 'openssh-server', 'nodepool-minimal']);
    expect(centos.envVars).toEqual({ DIB_CHECKSUM: '1', QEMU_IMG_OPTIONS: 'compat=0.10' });
    expect(centos.username).toBe('jenkins');
    expect(centos.abstract).toBe(false);
    expect(centos.parent).toBeNull();
    expect(centos.pause).toBe(false);
    expect(centos.rebuildAge).toBe(86400);
    expect(centos.dibCmd).toBe('disk-image-create');
    expect(rdo.elements).toEqual(['centos-minimal', 'nodepool-minimal', 'rdo-requirements']);
    expect(rdo.envVars).toEqual({ RDO_RELEASE: 'ocata' });
    expect(rdo.username).toBe('jenkins');
  });

  it('maps the labels (min-ready and the label ready-script)', () => {
    expect(config.labels).toEqual([
      { name: 'centos-7', minReady: 1, maxReadyAge: 0, readyScript: null },
      { name: 'rdo-ocata', minReady: 1, maxReadyAge: 0, readyScript: 'run_packstack.sh' },
    ]);
  });

  it('maps the provider with one pool "main" holding the provider-level limits', () => {
    expect(config.providers).toHaveLength(1);
    const p = config.providers[0];
    expect(p).toMatchObject({
      name: 'default', driver: 'openstack', cloud: 'le-cloud', regionName: null,
      bootTimeout: 120, launchTimeout: 3600, rate: 10.0, cleanFloatingIps: true, imageType: 'raw',
      maxConcurrency: -1, launchRetries: 3,
    });
    expect(p.diskimages).toEqual([
      { name: 'dib-centos-7', pause: false, meta: {}, configDrive: null, connectionType: 'ssh', connectionPort: 22 },
      { name: 'dib-rdo-ocata', pause: false, meta: {}, configDrive: null, connectionType: 'ssh', connectionPort: 22 },
    ]);
    expect(p.cloudImages).toEqual([]);
    expect(p.pools).toHaveLength(1);
    const pool = p.pools[0];
    expect(pool.name).toBe('main');
    expect(pool.maxServers).toBe(10);
    expect(pool.networks).toEqual(['defaultnet']);
    expect(pool.availabilityZones).toEqual([]);
    expect(pool.labels.map((l) => l.name)).toEqual(['centos-7', 'rdo-ocata']);
  });

  it('maps each (label, provider) pair to a pool label carrying the image fields', () => {
    const [centos, rdo] = config.providers[0].pools[0].labels;
    expect(centos).toEqual({
      name: 'centos-7', diskimage: 'dib-centos-7', cloudImage: null, minRam: 2048, flavorName: null,
      nameFilter: null, keyName: null, consoleLog: false, bootFromVolume: false, volumeSize: 50,
      instanceProperties: {}, dynamicInstanceProperties: {}, userdata: null, networks: null,
      hostKeyChecking: null, username: 'jenkins', privateKey: keyPath, readyScript: null, configDrive: null,
    });
    expect(rdo).toMatchObject({
      name: 'rdo-ocata', diskimage: 'dib-rdo-ocata', minRam: 8192, nameFilter: 'm1.medium',
      username: 'jenkins', privateKey: keyPath, readyScript: 'run_packstack.sh',
    });
  });

  it('is deep-frozen', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.providers[0].pools[0].labels[0])).toBe(true);
    expect(() => { (config.labels as { minReady: number }[])[0].minReady = 9; }).toThrow(TypeError);
  });

  it('warns when the private key is readable by group or others', async () => {
    chmodSync(keyPath, 0o644);
    try {
      const result = await validateConfig(configPath, { env: {} });
      expect(result.config).not.toBeNull();
      const keyWarnings = result.warnings.filter((w) => w.path.endsWith('private-key'));
      expect(keyWarnings.map((w) => [w.line, w.col, w.path])).toEqual([
        [28, 22, 'providers[0].images[0].private-key'],
        [35, 22, 'providers[0].images[1].private-key'],
      ]);
      expect(keyWarnings[0].message).toContain('mode 0644');
    } finally {
      chmodSync(keyPath, 0o600);
    }
  });

  it('warns about a missing private key by default, and fails with an error per image with strict', async () => {
    rmSync(keyPath);
    try {
      const lenient = await validateConfig(configPath, { env: {} });
      expect(lenient.config).not.toBeNull();
      expect(lenient.warnings.filter((p) => p.path.endsWith('private-key')).map((p) => [p.line, p.col, p.path])).toEqual([
        [28, 22, 'providers[0].images[0].private-key'],
        [35, 22, 'providers[0].images[1].private-key'],
      ]);
      const err = await loadConfig(configPath, { env: {}, strict: true }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      const errors = (err as ConfigError).problems.filter((p) => p.severity === 'error');
      expect(errors.map((p) => [p.line, p.col, p.path])).toEqual([
        [28, 22, 'providers[0].images[0].private-key'],
        [35, 22, 'providers[0].images[1].private-key'],
      ]);
      expect(errors[0].message).toContain('does not exist on this host');
    } finally {
      writeFileSync(keyPath, 'key\n', { mode: 0o600 });
    }
  });

  it('warns when the ready-script is not in scripts/ beside the config', async () => {
    rmSync(join(dir, 'scripts/run_packstack.sh'));
    try {
      const result = await validateConfig(configPath, { env: {} });
      expect(result.config).not.toBeNull();
      const scriptWarnings = result.warnings.filter((w) => w.path.endsWith('ready-script'));
      // The label's ready-script wins over the image's, so the one warning points at the label.
      expect(scriptWarnings.map((w) => [w.line, w.col, w.path])).toEqual([
        [54, 19, 'labels[1].ready-script'],
      ]);
      expect(scriptWarnings[0].message).toContain('/opt/nodepool-scripts');
    } finally {
      copyFileSync(join(fixtures, 'scripts/run_packstack.sh'), join(dir, 'scripts/run_packstack.sh'));
    }
  });
});
