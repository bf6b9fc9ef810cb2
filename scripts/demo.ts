// The demo: a local ZooKeeper, the OpenStack simulator, nodepool-builder and nodepool-launcher,
// run until the min-ready nodes are ready; then `nodepool list` and `nodepool image-list`.
// Usage: npx tsx scripts/demo.ts [--real-dib] [--keep] [--min-ready N]
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startZkServer } from '../test/harness/zk-server.ts';
import { startSimulator } from '../src/cloud/sim/server.ts';
import { projectRoot } from '../test/helpers/spawn.ts';

const args = process.argv.slice(2);
const realDib = args.includes('--real-dib');
const keep = args.includes('--keep');
const minReadyArg = args.indexOf('--min-ready');
const minReady = minReadyArg >= 0 ? Number(args[minReadyArg + 1]) : 2;
const timeoutMs = (realDib ? 40 : 5) * 60_000;

const work = join(projectRoot, 'var', 'demo');
rmSync(work, { recursive: true, force: true });
for (const dir of ['images', 'logs', 'builds', 'sim']) mkdirSync(join(work, dir), { recursive: true });
const say = (msg: string) => console.log(`[demo] ${msg}`);

function nodepoolYaml(zkPort: number): string {
  const dibCmd = realDib ? 'disk-image-create' : join(projectRoot, 'scripts/demo/fake-disk-image-create');
  const elements = realDib
    ? '[debian-minimal, vm, openssh-server, nodepool-minimal]'
    : '[debian-minimal, nodepool-minimal]';
  return `# Written by scripts/demo.ts: nodepool on the OpenStack simulator.
zookeeper-servers:
  - host: 127.0.0.1
    port: ${zkPort}
    chroot: /nodepool-demo
webapp:
  port: 8005
  listen_address: 127.0.0.1
images-dir: ${join(work, 'images')}
build-log-dir: ${join(work, 'builds')}
labels:
  - name: debian-small
    min-ready: ${minReady}
diskimages:
  - name: debian-bookworm
    dib-cmd: ${dibCmd}
    elements: ${elements}
    release: bookworm
    formats: [qcow2]
    username: zuul
    env-vars:
      DIB_DEBIAN_COMPONENTS: main
providers:
  - name: sim
    cloud: sim
    rate: 0.001
    boot-timeout: 30
    launch-retries: 3
    diskimages:
      - name: debian-bookworm
        connection-port: 2222
    pools:
      - name: main
        max-servers: 6
        networks: [private]
        labels:
          - name: debian-small
            diskimage: debian-bookworm
            min-ram: 1024
`;
}

const children: ChildProcess[] = [];
function daemon(name: string, bin: string, env: NodeJS.ProcessEnv): ChildProcess {
  const log = openSync(join(work, 'logs', `${name}.log`), 'a');
  const child = spawn(process.execPath, [join(projectRoot, 'bin', bin), '-c', join(work, 'nodepool.yaml')], {
    env, stdio: ['ignore', log, log],
  });
  children.push(child);
  child.on('exit', (code, signal) => say(`${name} exited (${code ?? signal})`));
  say(`started ${name} (pid ${child.pid}); log: var/demo/logs/${name}.log`);
  return child;
}

function nodepool(env: NodeJS.ProcessEnv, ...cmd: string[]): string {
  return execFileSync(process.execPath, [join(projectRoot, 'bin/nodepool.js'), '-c', join(work, 'nodepool.yaml'), ...cmd], {
    env, encoding: 'utf8',
  });
}

async function main(): Promise<number> {
  const zk = await startZkServer();
  say(`ZooKeeper ${zk.host}:${zk.plainPort} (pid ${zk.pid})`);
  const sim = await startSimulator({
    stateDir: join(work, 'sim'),
    config: { ssh: { port: 2222 }, buildDelayMs: 1000, quotas: { instances: 20, cores: 40, ram: 102400 } },
  });
  say(`OpenStack simulator ${sim.url}`);
  writeFileSync(join(work, 'clouds.yaml'), sim.cloudsYaml('sim'), { mode: 0o600 });
  writeFileSync(join(work, 'nodepool.yaml'), nodepoolYaml(zk.plainPort));
  const env = { ...process.env, OS_CLIENT_CONFIG_FILE: join(work, 'clouds.yaml'), NODEPOOL_LOG_LEVEL: 'info' };

  let status = 1;
  try {
    daemon('builder', 'nodepool-builder.js', env);
    daemon('launcher', 'nodepool-launcher.js', env);
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const nodes = JSON.parse(nodepool(env, 'list', '--json')) as { state: string }[];
      const ready = nodes.filter((n) => n.state === 'ready').length;
      const summary = `${ready}/${minReady} ready (${nodes.map((n) => n.state).join(', ') || 'no nodes yet'})`;
      if (summary !== last) say(summary);
      last = summary;
      if (ready >= minReady) break;
      if (Date.now() > deadline) throw new Error(`no ${minReady} ready nodes after ${timeoutMs / 1000} s; see var/demo/logs`);
      if (children.some((c) => c.exitCode !== null)) throw new Error('a daemon exited; see var/demo/logs');
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.log('\n$ nodepool dib-image-list');
    process.stdout.write(nodepool(env, 'dib-image-list'));
    console.log('\n$ nodepool image-list');
    process.stdout.write(nodepool(env, 'image-list'));
    console.log('\n$ nodepool list');
    process.stdout.write(nodepool(env, 'list'));
    status = 0;
    if (keep) {
      say(`running until Ctrl-C; web app on http://127.0.0.1:8005/node-list; config var/demo/nodepool.yaml`);
      say(`try: OS_CLIENT_CONFIG_FILE=var/demo/clouds.yaml node bin/nodepool.js -c var/demo/nodepool.yaml list`);
      await new Promise((r) => process.once('SIGINT', r));
    }
  } catch (err) {
    console.error(`[demo] FAILED: ${(err as Error).message}`);
    for (const name of ['launcher', 'builder']) {
      const lines = readFileSync(join(work, 'logs', `${name}.log`), 'utf8').trim().split('\n');
      console.error(`--- last lines of ${name}.log ---\n${lines.slice(-15).join('\n')}`);
    }
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
    await sim.close();
    await zk.stop();
  }
  return status;
}

process.exitCode = await main();
