// nodepool-builder as a real process: -c/-s config files, SIGHUP reload, SIGTERM graceful stop
// (exit 0, the running build killed to the last grandchild and recorded failed, locks released,
// component gone), also while start-up still waits for ZooKeeper.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnEntry } from '../helpers/spawn.ts';
import { builderTestEnv, type BuilderTestEnv, waitLong } from './builder-env.ts';
import { FAKE_DIB, processAlive, readPid } from './fake-dib.ts';

let env: BuilderTestEnv;
let child: ChildProcess | null = null;
let output = '';
beforeEach(async () => {
  env = await builderTestEnv('process', ['sim-a']);
});
afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await env.close();
});

function writeConfig(images: string[]): string {
  const file = join(env.dir, 'nodepool.yaml');
  const server = env.zk.servers[0];
  const diskimages = images.map((name) => `
  - name: ${name}
    dib-cmd: ${FAKE_DIB}
    elements: [debian-minimal, nodepool-minimal]
    release: bookworm
    env-vars:
      FAKE_DIB_CONTROL: ${join(env.dir, 'control')}
      FAKE_DIB_EXPECT_RELEASE: bookworm`).join('');
  writeFileSync(file, `zookeeper-servers:
  - host: ${server.host}
    port: ${server.port}
    chroot: ${env.zk.chroot}
images-dir: ${env.imagesDir}
build-log-dir: ${env.logDir}
diskimages:${diskimages}
providers:
  - name: sim-a
    cloud: sim-a
    diskimages:
${images.map((n) => `      - name: ${n}`).join('\n')}
`);
  return file;
}

function steer(mode: string, extra: Record<string, string> = {}) {
  writeFileSync(join(env.dir, 'control'), Object.entries({ FAKE_DIB_MODE: mode, ...extra }).map(([k, v]) => `${k}=${v}\n`).join(''));
}

describe('nodepool-builder process', { timeout: 240_000 }, () => {
  it('builds and uploads, reloads on SIGHUP, and stops gracefully on SIGTERM', async () => {
    steer('ok');
    const cfg = writeConfig(['img']);
    const secure = join(env.dir, 'secure.yaml');
    writeFileSync(secure, 'diskimages:\n  - name: img\n    env-vars:\n      FAKE_DIB_EXPECT_ENV: SECRET_TOKEN=s3cret\n      SECRET_TOKEN: s3cret\n');
    writeFileSync(join(env.dir, 'clouds.yaml'), env.sims.get('sim-a')!.cloudsYaml('sim-a'));
    const pidfile = join(env.dir, 'builder.pid');
    child = spawnEntry('builder/main.ts', ['-c', cfg, '-s', secure, '-f', '-p', pidfile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        OS_CLIENT_CONFIG_FILE: join(env.dir, 'clouds.yaml'),
        NODEPOOL_BUILDER_BUILD_INTERVAL_MS: '100', NODEPOOL_BUILDER_UPLOAD_INTERVAL_MS: '100',
        NODEPOOL_BUILDER_CLEANUP_INTERVAL_MS: '500', NODEPOOL_BUILDER_KILL_GRACE_MS: '300',
      },
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    const ready = await waitLong(async () => (await env.store.listBuilds('img')).find((b) => b.state === 'ready'), { message: `ready build; output:\n${output}` });
    await waitLong(async () => (await env.store.listUploads('img', ready.id, 'sim-a')).some((u) => u.state === 'ready'), { message: 'upload' });
    expect(output).not.toContain('s3cret');
    expect(readFileSync(pidfile, 'utf8').trim()).toBe(String(child.pid));

    // SIGHUP picks up a second diskimage.
    writeConfig(['img', 'img2']);
    child.kill('SIGHUP');
    await waitLong(async () => (await env.store.listBuilds('img2')).some((b) => b.state === 'ready'), { message: 'img2 built after reload' });

    // A build in flight when SIGTERM arrives: killed (grandchild too), recorded failed, lock released.
    const pidFile = join(env.dir, 'grandchild.pid');
    steer('stubborn', { FAKE_DIB_PID_FILE: pidFile });
    await env.store.requestImageBuild('img');
    const grandchild = await waitLong(() => readPid(pidFile), { message: 'stubborn build started' });
    const building = await waitLong(async () => (await env.store.listBuilds('img')).find((b) => b.state === 'building'), { message: 'building record' });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(processAlive(grandchild)).toBe(false);
    expect((await env.store.getBuild('img', building.id))?.state).toBe('failed');
    const lock = await env.store.lockImageBuilds('img', { blocking: false });
    expect(lock).not.toBeNull();
    await lock!.release();
    expect(await env.store.listComponents('builder')).toEqual([]);
  });

  it('a SIGTERM while start-up waits for a ZooKeeper that does not answer is a graceful stop', async () => {
    // A server that accepts the connection and never says a word: the builder is stuck in start-up.
    const sockets: Socket[] = [];
    const silent = createServer((sock) => sockets.push(sock));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const cfg = join(env.dir, 'silent-zk.yaml');
      writeFileSync(cfg, `zookeeper-servers:\n  - host: 127.0.0.1\n    port: ${port}\nzookeeper-timeout: 60\nimages-dir: ${env.imagesDir}\n`);
      child = spawnEntry('builder/main.ts', ['-c', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child!.once('exit', (code, signal) => resolve({ code, signal })));
      await waitLong(() => sockets.length > 0, { message: 'the builder connecting to ZooKeeper' });
      child.kill('SIGTERM');
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(output).toContain('stopping');
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('rejects a bad config with a clear message and exit code 1', async () => {
    const bad = join(env.dir, 'bad.yaml');
    writeFileSync(bad, 'diskimages:\n  - name: x\n    rebuild-age: soon\n');
    child = spawnEntry('builder/main.ts', ['-c', bad], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child!.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(err).toMatch(/bad\.yaml:3:\d+.*rebuild-age/);
  });
});
