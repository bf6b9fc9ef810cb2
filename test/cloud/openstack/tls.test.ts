// The per-cloud Agent honours clouds.yaml verify/cacert against a real TLS server on loopback.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalError } from '../../../src/cloud/errors.ts';
import { createCloudAgent } from '../../../src/cloud/openstack/agent.ts';
import { HttpCore } from '../../../src/cloud/openstack/http-core.ts';
import { systemClock } from '../../../src/util/clock.ts';
import { silentLogger } from '../../../src/util/logger.ts';

describe('TLS per cloud', () => {
  let dir: string;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'np-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  async function get(cloud: { verify: boolean; cacert: string | null }) {
    const agent = createCloudAgent({ name: 'tls', ...cloud });
    try {
      return await new HttpCore({ dispatcher: agent, clock: systemClock, logger: silentLogger() }).send({ service: 'identity', method: 'GET', url });
    } finally {
      await agent.close();
    }
  }

  it('trusts the cloud through cacert', async () => {
    expect((await get({ verify: true, cacert: join(dir, 'cert.pem') })).body).toEqual({ ok: true });
  });

  it('refuses an untrusted certificate with a TerminalError (no retries)', async () => {
    const err = await get({ verify: true, cacert: null }).catch((e) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect(String(err.message)).toMatch(/TLS: .*check cacert\/verify/);
  });

  it('verify: false skips verification', async () => {
    expect((await get({ verify: false, cacert: null })).body).toEqual({ ok: true });
  });

  it('an unreadable cacert is a clear TerminalError', () => {
    expect(() => createCloudAgent({ name: 'tls', verify: true, cacert: join(dir, 'missing.pem') })).toThrow(/cloud tls: cannot read cacert/);
  });
});
