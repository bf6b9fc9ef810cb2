// clouds.yaml + secure.yaml as openstacksdk reads them, from a temp home/cwd/system dir.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadClouds } from '../../src/config/clouds/load-clouds.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { describeConfig } from '../../src/config/redact.ts';

let root: string;
let dirs: { home: string; cwd: string; systemDir: string };

const write = (path: string, text: string) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
};
const cloudsYaml = (name: string, extra = '') => `clouds:
  ${name}:
    auth:
      auth_url: http://127.0.0.1:5000/v3
      username: demo
      password: pw-${name}
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
${extra}`;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nodepool-clouds-'));
  dirs = { home: join(root, 'home'), cwd: join(root, 'cwd'), systemDir: join(root, 'etc-openstack') };
  mkdirSync(dirs.cwd, { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const errorsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => [p.file.replace(root, ''), p.line, p.col, p.path, p.message]);
  }
  throw new Error('expected a ConfigError');
};

describe('loadClouds search path', () => {
  it('finds nothing and says so', () => {
    expect(loadClouds({ env: {}, ...dirs })).toEqual({ file: null, clouds: {}, defaultCloud: null, secureFile: null });
  });

  it('takes /etc/openstack last, ~/.config/openstack before it, ./clouds.yaml before that, OS_CLIENT_CONFIG_FILE first', () => {
    write(join(dirs.systemDir, 'clouds.yaml'), cloudsYaml('system'));
    expect(Object.keys(loadClouds({ env: {}, ...dirs }).clouds)).toEqual(['system']);
    write(join(dirs.home, '.config/openstack/clouds.yml'), cloudsYaml('home'));
    expect(Object.keys(loadClouds({ env: {}, ...dirs }).clouds)).toEqual(['home']);
    write(join(dirs.cwd, 'clouds.yaml'), cloudsYaml('cwd'));
    const fromCwd = loadClouds({ env: {}, ...dirs });
    expect(fromCwd.file).toBe(join(dirs.cwd, 'clouds.yaml'));
    expect(Object.keys(fromCwd.clouds)).toEqual(['cwd']);
    write(join(root, 'elsewhere.yaml'), cloudsYaml('env'));
    const fromEnv = loadClouds({ env: { OS_CLIENT_CONFIG_FILE: join(root, 'elsewhere.yaml') }, ...dirs });
    expect(Object.keys(fromEnv.clouds)).toEqual(['env']);
  });
});

describe('loadClouds contents', () => {
  it('reads a password cloud with openstacksdk defaults', () => {
    write(join(dirs.cwd, 'clouds.yaml'), cloudsYaml('lab', '    region_name: RegionOne\n'));
    const lab = loadClouds({ env: {}, ...dirs }).clouds.lab;
    expect(lab).toEqual({
      name: 'lab',
      auth: {
        type: 'password', authUrl: 'http://127.0.0.1:5000/v3', username: 'demo', userId: undefined, password: 'pw-lab',
        userDomainName: 'Default', userDomainId: undefined, projectName: 'demo', projectId: undefined,
        projectDomainName: 'Default', projectDomainId: undefined,
      },
      regions: [], regionName: 'RegionOne', interface: 'public', imageFormat: 'qcow2',
      verify: true, cacert: null, computeApiVersion: null,
    });
  });

  it('merges secure.yaml over clouds.yaml and names the OS_CLOUD default', () => {
    write(join(dirs.cwd, 'clouds.yaml'), `clouds:
  lab:
    auth:
      auth_url: http://127.0.0.1:5000/v3
      username: demo
      project_name: demo
    regions:
      - RegionOne
      - name: RegionTwo
        values: {interface: internal}
    interface: internal
    image_format: raw
    insecure: true
    cacert: /etc/ssl/lab-ca.pem
    compute_api_version: 2.79
`);
    write(join(dirs.home, '.config/openstack/secure.yaml'), 'clouds:\n  lab:\n    auth:\n      password: from-secure\n');
    const result = loadClouds({ env: { OS_CLOUD: 'lab' }, ...dirs });
    expect(result.defaultCloud).toBe('lab');
    expect(result.secureFile).toBe(join(dirs.home, '.config/openstack/secure.yaml'));
    const lab = result.clouds.lab;
    expect(lab.auth).toMatchObject({ type: 'password', password: 'from-secure', username: 'demo' });
    expect(lab.regions).toEqual(['RegionOne', 'RegionTwo']);
    expect(lab.regionName).toBe('RegionOne');
    expect(lab).toMatchObject({ interface: 'internal', imageFormat: 'raw', verify: false, cacert: '/etc/ssl/lab-ca.pem', computeApiVersion: '2.79' });
    expect(Object.isFrozen(lab.auth)).toBe(true);
    // Printing it never shows the password.
    expect(describeConfig(result)).not.toContain('from-secure');
    expect(describeConfig(result)).toContain('[redacted]');
  });

  it('reads application credentials', () => {
    write(join(dirs.cwd, 'clouds.yaml'), `clouds:
  app:
    auth_type: v3applicationcredential
    auth:
      auth_url: http://127.0.0.1:5000/v3
      application_credential_id: 0123abcd
      application_credential_secret: s3cr3t-value
`);
    const result = loadClouds({ env: {}, ...dirs });
    expect(result.clouds.app.auth).toEqual({
      type: 'v3applicationcredential', authUrl: 'http://127.0.0.1:5000/v3', applicationCredentialId: '0123abcd',
      applicationCredentialName: undefined, applicationCredentialSecret: 's3cr3t-value', username: undefined, userDomainName: undefined,
    });
    expect(describeConfig(result)).not.toContain('s3cr3t-value');
  });

  it('reports every bad cloud at its line', () => {
    write(join(dirs.cwd, 'clouds.yaml'), `clouds:
  token-cloud:
    auth_type: token
    auth:
      auth_url: http://127.0.0.1:5000/v3
  no-password:
    auth:
      auth_url: http://127.0.0.1:5000/v3
      username: demo
  bad-region:
    region_name: RegionThree
    regions: [RegionOne, RegionTwo]
    auth:
      auth_url: http://127.0.0.1:5000/v3
      username: demo
      password: pw
  bad-interface:
    interface: private
    auth: {auth_url: 'http://127.0.0.1:5000/v3', username: demo, password: pw}
`);
    expect(errorsOf(() => loadClouds({ env: {}, ...dirs }))).toEqual([
      ['/cwd/clouds.yaml', 3, 16, 'clouds.token-cloud.auth_type', "auth_type 'token' is not supported (expected password or v3applicationcredential)"],
      ['/cwd/clouds.yaml', 8, 7, 'clouds.no-password.auth', 'missing auth.password (expected the password, here or in secure.yaml)'],
      ['/cwd/clouds.yaml', 11, 18, 'clouds.bad-region.region_name', "region 'RegionThree' is not in this cloud's regions (expected one of: RegionOne, RegionTwo)"],
      ['/cwd/clouds.yaml', 18, 16, 'clouds.bad-interface.interface', '"private" is not allowed (expected one of: public, internal, admin)'],
    ]);
  });

  it('ignores an OS_CLOUD that names no cloud here (providers name their clouds)', () => {
    write(join(dirs.cwd, 'clouds.yaml'), cloudsYaml('lab'));
    const result = loadClouds({ env: { OS_CLOUD: 'nope' }, ...dirs });
    expect(result.defaultCloud).toBeNull();
    expect(Object.keys(result.clouds)).toEqual(['lab']);
  });

  it('points a YAML syntax error in clouds.yaml at its line', () => {
    write(join(dirs.cwd, 'clouds.yaml'), 'clouds:\n  lab:\n    auth: {auth_url: x\n    region_name: r\n');
    const problems = errorsOf(() => loadClouds({ env: {}, ...dirs }));
    expect(problems.map((p) => [p[1], p[3]])).toEqual([[3, 'clouds.lab.auth']]);
  });
});
