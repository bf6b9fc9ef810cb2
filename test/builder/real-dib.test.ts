// One REAL diskimage-builder build of a small Debian image with our nodepool-minimal element,
// run by nodepool-builder, then uploaded to the simulator, whose stored bytes are checked.
// Slow (3-8 minutes): on when NODEPOOL_REAL_DIB=1, or by default when CI=true (NODEPOOL_REAL_DIB=0
// turns it off there). Needs root; installs diskimage-builder itself when missing.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { builderTestEnv, type BuilderTestEnv } from './builder-env.ts';
import { diskimage, nodepoolConfig, provider, providerDiskimage } from './config-fixtures.ts';
import { debianMirrors } from './debian-mirrors.ts';
import { dibLintVerdict } from './dib-lint.ts';

const enabled = process.env.NODEPOOL_REAL_DIB === '1' || (process.env.CI === 'true' && process.env.NODEPOOL_REAL_DIB !== '0');
const fixtures = fileURLToPath(new URL('../fixtures/builder/', import.meta.url));
const MINUTE = 60_000;

function md5Of(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('md5');
    createReadStream(path).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}

/** Loop-mounts the (filesystem-only) image read-only and reads what nodepool-minimal put there. */
function inspectImage(qcow2: string, work: string) {
  const raw = join(work, 'inspect.raw');
  const mnt = join(work, 'inspect-mnt');
  mkdirSync(mnt, { recursive: true });
  execFileSync('qemu-img', ['convert', '-O', 'raw', qcow2, raw]);
  execFileSync('mount', ['-o', 'loop,ro', raw, mnt]);
  try {
    const passwd = readFileSync(join(mnt, 'etc/passwd'), 'utf8');
    const mode = (p: string) => (statSync(join(mnt, p)).mode & 0o7777).toString(8);
    return {
      user: passwd.split('\n').find((l) => l.startsWith('jenkins:')) ?? null,
      authorizedKeys: readFileSync(join(mnt, 'home/jenkins/.ssh/authorized_keys'), 'utf8'),
      authorizedKeysMode: mode('home/jenkins/.ssh/authorized_keys'),
      etcNodepoolMode: mode('etc/nodepool'),
      script: readFileSync(join(mnt, 'opt/nodepool-scripts/ready.sh'), 'utf8'),
      scriptMode: mode('opt/nodepool-scripts/ready.sh'),
      sudoers: readFileSync(join(mnt, 'etc/sudoers.d/50-nodepool-jenkins'), 'utf8'),
      sshd: existsSync(join(mnt, 'usr/sbin/sshd')),
    };
  } finally {
    execFileSync('umount', [mnt]);
    rmSync(raw, { force: true });
  }
}

describe.runIf(enabled)('real diskimage-builder build (NODEPOOL_REAL_DIB)', () => {
  let env: BuilderTestEnv;
  let tmpDir: string;

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('the real DIB test needs root (diskimage-builder uses loop devices and sudo)');
    execFileSync('bash', [fileURLToPath(new URL('../../scripts/setup-dib.sh', import.meta.url))], { stdio: 'inherit' });
    env = await builderTestEnv('real-dib', ['sim-a']);
    tmpDir = join(env.dir, 'dib-tmp');
    mkdirSync(tmpDir, { recursive: true });
  }, 20 * MINUTE);

  afterAll(async () => {
    if (tmpDir) execFileSync('bash', [join(fixtures, 'dib-cleanup.sh'), tmpDir]);
    await env?.close();
  }, 5 * MINUTE);

  it('our elements pass dib-lint, diskimage-builder\'s own checker', () => {
    expect(dibLintVerdict()).toBe('PASS');
  });

  it('builds debian-minimal + nodepool-minimal, records it ready and uploads the exact bytes', async () => {
    const key = join(env.dir, 'id_nodepool');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'nodepool-real-dib', '-f', key]);
    const scripts = join(env.dir, 'scripts');
    mkdirSync(scripts);
    writeFileSync(join(scripts, 'ready.sh'), '#!/bin/sh\necho ready\n');
    chmodSync(join(scripts, 'ready.sh'), 0o644);
    const mirrors = debianMirrors();
    const cache = process.env.NODEPOOL_REAL_DIB_CACHE ?? join(env.dir, 'dib-cache');
    const cfg = nodepoolConfig({
      imagesDir: env.imagesDir,
      buildLogDir: env.logDir,
      diskimages: [diskimage({
        name: 'debian-real', release: 'bookworm', elements: ['debian-minimal', 'nodepool-minimal'], buildTimeout: 40 * 60,
        envVars: {
          ...(mirrors.main ? { DIB_DISTRIBUTION_MIRROR: mirrors.main } : {}),
          ...(mirrors.security ? { DIB_DEBIAN_SECURITY_MIRROR: mirrors.security } : {}),
          // DIB 3.13 would ask for "bookworm/updates", the pre-bullseye layout.
          DIB_DEBIAN_SECURITY_SUBPATH: '-security',
          DIB_IMAGE_CACHE: cache,
          TMP_DIR: tmpDir,
          DIB_NODEPOOL_PUBLIC_KEY: `${key}.pub`,
          DIB_NODEPOOL_SCRIPTS_DIR: scripts,
        },
      })],
      providers: [provider({ name: 'sim-a', diskimages: [providerDiskimage('debian-real')] })],
    });
    const started = Date.now();
    const b = env.builder(cfg, { buildIntervalMs: 1000, uploadIntervalMs: 1000, cleanupIntervalMs: 10_000, baseEnv: process.env });
    const outcomes: { state: string; logPath: string }[] = [];
    b.onBuildFinished = (o) => outcomes.push(o);
    await b.start();
    await waitFor(() => outcomes.length > 0, { timeoutMs: 45 * MINUTE, intervalMs: 1000, message: 'the real build to finish' });
    const buildMinutes = (Date.now() - started) / MINUTE;
    if (outcomes[0].state !== 'ready') {
      const log = readFileSync(outcomes[0].logPath, 'utf8').split('\n').slice(-60).join('\n');
      throw new Error(`real DIB build failed; end of ${outcomes[0].logPath}:\n${log}`);
    }
    const [build] = await env.store.listBuilds('debian-real');
    expect(build).toMatchObject({ state: 'ready', formats: ['qcow2'] });
    const file = join(env.imagesDir, `debian-real-${build.id}.qcow2`);
    const size = statSync(file).size;
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', file], { encoding: 'utf8' }));
    expect(info.format).toBe('qcow2');
    expect(info['format-specific']?.data?.compat).toBe('0.10');
    expect(existsSync(join(env.imagesDir, `debian-real-${build.id}.d`, 'dib-manifests'))).toBe(true);
    expect(inspectImage(file, env.dir)).toEqual({
      user: expect.stringMatching(/^jenkins:x:\d+:\d+::\/home\/jenkins:\/bin\/bash$/),
      authorizedKeys: readFileSync(`${key}.pub`, 'utf8'),
      authorizedKeysMode: '600',
      etcNodepoolMode: '777',
      script: '#!/bin/sh\necho ready\n',
      scriptMode: '755',
      sudoers: 'jenkins ALL=(ALL) NOPASSWD:ALL\n',
      sshd: true,
    });
    const localMd5 = await md5Of(file);
    expect(readFileSync(`${file}.md5`, 'utf8').slice(0, 32)).toBe(localMd5);

    const upload = await waitFor(async () => (await env.store.listUploads('debian-real', build.id, 'sim-a')).find((u) => u.state === 'ready'),
      { timeoutMs: 10 * MINUTE, intervalMs: 500, message: 'upload to the simulator' });
    const sim = env.sims.get('sim-a')!;
    const stored = join(sim.stateDir, 'images', upload.external_id!);
    expect(statSync(stored).size).toBe(size);
    expect(await md5Of(stored)).toBe(localMd5);
    const totalMinutes = (Date.now() - started) / MINUTE;
    console.log(`real DIB: build ${buildMinutes.toFixed(1)} min, build+upload ${totalMinutes.toFixed(1)} min, qcow2 ${size} bytes (${(size / 2 ** 20).toFixed(0)} MiB, virtual ${info['virtual-size']} bytes)`);
    await b.stop();
  }, 60 * MINUTE);
});
