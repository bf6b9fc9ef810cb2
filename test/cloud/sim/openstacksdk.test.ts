// Fidelity check: the simulator answers the real openstacksdk (Debian python3-openstacksdk) the way
// upstream Nodepool drives it. Skipped where openstacksdk is not installed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../../src/cloud/sim/server.ts';
import { generateEd25519KeyPair } from '../../../src/util/ssh-keypair.ts';

const PYTHON = '/usr/bin/python3';
const hasSdk = spawnSync(PYTHON, ['-c', 'import openstack'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasSdk)('simulator with openstacksdk', () => {
  it('serves the create/upload/boot/FIP/delete flow Nodepool runs through openstacksdk', async () => {
    const sim = await startSimulator({ config: { buildDelayMs: 200, deleteDelayMs: 100 } });
    const dir = mkdtempSync(join(tmpdir(), 'sim-sdk-'));
    try {
      const clouds = join(dir, 'clouds.yaml');
      writeFileSync(clouds, sim.cloudsYaml('sim'));
      const script = fileURLToPath(new URL('./fixtures/openstacksdk-flow.py', import.meta.url));
      const env = { PATH: '/usr/bin:/bin', HOME: dir, OS_CLIENT_CONFIG_FILE: clouds, PUBKEY: generateEd25519KeyPair().public };
      // Run asynchronously: the simulator lives in this process's event loop.
      const { spawn } = await import('node:child_process');
      const child = spawn(PYTHON, [script], { env });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const code = await new Promise((r) => child.on('close', r));
      expect(code, err).toBe(0);
      const lines = Object.fromEntries(out.trim().split('\n').map((l) => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1)]));
      expect(lines).toMatchObject({
        flavors: 'm1.large,m1.medium,m1.small,m1.tiny,m1.xlarge',
        azs: 'nova',
        limits: '10 0',
        image: 'active True',
        'image-by-name': 'True',
        server: 'ACTIVE True 7',
        console: 'SIMULATED CONSOLE OUTPUT',
        fip: 'ACTIVE True True',
        servers: 'np-sdk',
        'delete-server': 'True',
        'delete-image': 'True',
        done: 'done',
      });
      const state = await sim.admin.state();
      expect(state.servers).toEqual([]);
      expect(state.floatingIps).toEqual([]);
      expect(state.images).toEqual([]);
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
