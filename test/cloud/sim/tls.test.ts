import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { parse as parseYaml } from 'yaml';
import { startSimulator, type RunningSimulator } from '../../../src/cloud/sim/server.ts';
import { PASSWORD_AUTH } from './sim-client.ts';

describe('simulator over HTTPS', () => {
  let dir: string;
  let sim: RunningSimulator;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    sim = await startSimulator({
      config: { ssh: { enabled: false } },
      tls: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')), caFile: join(dir, 'cert.pem') },
    });
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the API with the given certificate and puts https URLs and cacert in clouds.yaml', async () => {
    const cloud = parseYaml(sim.cloudsYaml('tls')).clouds.tls;
    expect(cloud.auth.auth_url).toBe(`${sim.url}/identity/v3`);
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(cloud.cacert).toBe(join(dir, 'cert.pem'));
    const trusted = new Agent({ connect: { ca: readFileSync(join(dir, 'cert.pem')) } });
    const r = await request(`${cloud.auth.auth_url}/auth/tokens`, {
      method: 'POST', dispatcher: trusted, headers: { 'content-type': 'application/json' }, body: JSON.stringify(PASSWORD_AUTH),
    });
    const body = (await r.body.json()) as { token: { catalog: { type: string; endpoints: { url: string }[] }[] } };
    expect(r.statusCode).toBe(201);
    const compute = body.token.catalog.find((e) => e.type === 'compute')!;
    expect(compute.endpoints[0].url).toBe(`${sim.url}/compute/v2.1`);
    // Without the CA the client refuses the connection.
    await expect(request(`${sim.url}/identity/v3`, { dispatcher: new Agent() })).rejects.toThrow(/self[- ]signed|certificate/i);
    await trusted.close();
  });
});
