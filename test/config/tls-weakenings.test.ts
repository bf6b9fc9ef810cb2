// A warning at start for every TLS weakening in effect.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CloudConfig, NodepoolConfig } from '../../src/config/model.ts';
import { tlsWeakenings, warnTlsWeakenings } from '../../src/config/tls-weakenings.ts';

const cloud = (name: string, over: Partial<CloudConfig> = {}, authUrl = 'https://keystone.example:5000/v3'): CloudConfig => ({
  name, auth: { type: 'password', authUrl, username: 'u', password: 'p' }, regions: [], regionName: null,
  interface: 'public', imageFormat: null, verify: true, cacert: null, computeApiVersion: null, ...over,
});
const config = (tls: boolean, clouds: string[]) => ({
  zookeeperServers: [{ host: 'zk1', port: 2181, chroot: null }],
  zookeeperTls: tls ? { cert: 'c', key: 'k', ca: 'a' } : null,
  providers: clouds.map((c, i) => ({ name: `p${i}`, cloud: c })),
}) as unknown as NodepoolConfig;

describe('TLS weakenings', () => {
  it('lists plaintext ZooKeeper, verify: false and an http:// auth_url of the clouds in use', () => {
    const found = tlsWeakenings(config(false, ['lab', 'lab', 'prod']), {
      clouds: { lab: cloud('lab', { verify: false }, 'http://10.0.0.5:5000/v3'), prod: cloud('prod'), unused: cloud('unused', { verify: false }) },
    });
    expect(found.map((w) => w.subject)).toEqual(['zookeeper', 'cloud lab', 'cloud lab']);
    expect(found[0].message).toContain('zk1:2181');
    expect(found[1].message).toContain('verify: false');
    expect(found[2].message).toContain('http://10.0.0.5:5000/v3');
  });

  it('says nothing when everything is verified and encrypted', () => {
    expect(tlsWeakenings(config(true, ['prod']), { clouds: { prod: cloud('prod') } })).toEqual([]);
  });

  it('warns through the logger, reading clouds.yaml as the daemons do, without secrets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-tlsweak-'));
    try {
      const file = join(dir, 'clouds.yaml');
      writeFileSync(file, 'clouds:\n  lab:\n    verify: false\n    auth:\n      auth_url: http://127.0.0.1:5000/v3\n      username: demo\n      password: pw-secret\n      project_name: demo\n');
      const lines: string[] = [];
      const logger = pino({}, new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }));
      const found = warnTlsWeakenings(logger, config(true, ['lab']), { OS_CLIENT_CONFIG_FILE: file, HOME: dir });
      expect(found).toHaveLength(2);
      expect(lines).toHaveLength(2);
      expect(lines.join('')).toContain('TLS weakened');
      expect(lines.join('')).not.toContain('pw-secret');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
