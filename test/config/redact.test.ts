// Secrets never appear when config is printed: env-vars from the secure file or with secret
// names, cloud passwords and application-credential secrets.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { describeConfig, redactConfig, REDACTED } from '../../src/config/redact.ts';
import type { CloudsConfig } from '../../src/config/model.ts';

const dir = join(import.meta.dirname, '../fixtures/config');

describe('redaction', () => {
  it('hides secure-file env-vars and keeps the rest readable', async () => {
    const { config } = await loadConfig(join(dir, 'secure-main.yaml'), { env: {}, secure: join(dir, 'secure/secure-file.yaml') });
    const text = describeConfig(config);
    expect(text).not.toContain('hunter2-secret');
    expect(text).not.toContain('t0k3n');
    expect(text).toContain('bookworm');
    expect(text).toContain('"maxServers": "unlimited"');
    const redacted = redactConfig(config);
    expect(redacted.diskimages[0].envVars).toEqual({ DIB_RELEASE: 'bookworm', REGISTRY_PASSWORD: REDACTED, MIRROR_TOKEN: REDACTED });
    // The original is untouched (and frozen).
    expect(config.diskimages[0].envVars.MIRROR_TOKEN).toBe('t0k3n');
  });

  it('hides env-vars whose names say they are secret even outside the secure file', () => {
    const out = redactConfig({ diskimages: [{ envVars: { API_TOKEN: 'abc', DIB_RELEASE: 'x', DB_PASSWD: 'p' } }] });
    expect(out).toEqual({ diskimages: [{ envVars: { API_TOKEN: REDACTED, DIB_RELEASE: 'x', DB_PASSWD: REDACTED } }] });
  });

  it('hides cloud passwords and application credential secrets', () => {
    const clouds: CloudsConfig = {
      file: '/etc/openstack/clouds.yaml',
      clouds: {
        a: { name: 'a', auth: { type: 'password', authUrl: 'http://127.0.0.1:5000/v3', username: 'demo', password: 'pw1' },
          regions: [], regionName: null, interface: 'public', imageFormat: 'qcow2', verify: true, cacert: null, computeApiVersion: null },
        b: { name: 'b', auth: { type: 'v3applicationcredential', authUrl: 'http://127.0.0.1:5000/v3', applicationCredentialId: 'id1', applicationCredentialSecret: 'sec1' },
          regions: [], regionName: null, interface: 'public', imageFormat: 'qcow2', verify: true, cacert: null, computeApiVersion: null },
      },
    };
    const out = redactConfig(clouds);
    expect(out.clouds.a.auth).toMatchObject({ password: REDACTED, username: 'demo' });
    expect(out.clouds.b.auth).toMatchObject({ applicationCredentialSecret: REDACTED, applicationCredentialId: 'id1' });
  });
});
