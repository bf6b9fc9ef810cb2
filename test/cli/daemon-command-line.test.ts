// Upstream's daemon command lines against the BUILT binaries (bin/*.js running dist/):
// `nodepool-launcher -f -c FILE`, `nodepool-builder -f -c FILE --build-workers 2 --upload-workers 4`,
// `--version`, `--repl` refused, `-l` with a Python logging config, and the container image's
// bare `nodepool-launcher -f`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, projectRoot } from '../helpers/spawn.ts';
import { waitFor } from '../helpers/wait.ts';
import { startEnv, simpleYaml, type LauncherEnv } from '../launcher/launcher-env.ts';
import { builderTestEnv, type BuilderTestEnv } from '../builder/builder-env.ts';

const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** `npm run build` when dist/ is missing or older than src/, so the binaries run current code. */
function ensureBuilt(): void {
  const dist = join(projectRoot, 'dist');
  if (existsSync(join(dist, 'launcher', 'main.js')) && newestMtime(dist) >= newestMtime(join(projectRoot, 'src'))) return;
  const r = spawnSync('npm', ['run', 'build'], { cwd: projectRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
}

function bin(name: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const e = childEnv(env);
  delete e.NODEPOOL_FROM_SOURCE;
  return spawn(process.execPath, [join(projectRoot, 'bin', `${name}.js`), ...args], { cwd: projectRoot, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
}

function collect(child: ChildProcess): () => string {
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return () => out;
}

async function runToEnd(name: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = bin(name, args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stdout, stderr };
}

beforeAll(() => ensureBuilt(), 300_000);

describe('built daemons: version and refused flags', () => {
  it.each(['nodepool-launcher', 'nodepool-builder'])('%s --version prints the version and exits 0', async (name) => {
    const r = await runToEnd(name, ['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it.each(['nodepool-launcher', 'nodepool-builder'])('%s --repl is refused with a clear message', async (name) => {
    const r = await runToEnd(name, ['-f', '--repl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${name}: --repl is not supported`);
  });

  it('the builder rejects a worker count that is not a positive number', async () => {
    const r = await runToEnd('nodepool-builder', ['-f', '--build-workers', 'two']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--build-workers <n>.*invalid/);
  });

  it('`nodepool-launcher -f` (upstream container line) reads the default /etc/nodepool/nodepool.yaml', async () => {
    // This host has no /etc/nodepool; the daemon must get past its arguments and name that file.
    if (existsSync('/etc/nodepool/nodepool.yaml')) return;
    const r = await runToEnd('nodepool-launcher', ['-f']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/etc/nodepool/nodepool.yaml');
    expect(r.stderr).not.toMatch(/unknown option|error: /);
  });
});

describe('built nodepool-launcher -f -c FILE', () => {
  let env: LauncherEnv | undefined;
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await env?.close();
    env = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves with upstream flags and logs where a fileConfig INI -l file says, at its levels', async () => {
    env = await startEnv({ clock: 'system', name: 'bin-launcher', yaml: simpleYaml() });
    const e = env;
    dir = mkdtempSync(join(tmpdir(), 'np-logconf-'));
    const debugLog = join(dir, 'launcher-debug.log');
    const normalLog = join(dir, 'launcher.log');
    const logconf = join(dir, 'logging.conf');
    // The shape of upstream's example logging.conf: a nodepool logger with a debug and a normal
    // file handler, the root logger writing warnings to stdout.
    writeFileSync(logconf, `[loggers]
keys=root,nodepool

[handlers]
keys=console,debug,normal

[formatters]
keys=simple

[logger_root]
level=WARNING
handlers=console

[logger_nodepool]
level=DEBUG
handlers=debug,normal
qualname=nodepool

[handler_console]
level=WARNING
class=StreamHandler
formatter=simple
args=(sys.stdout,)

[handler_debug]
level=DEBUG
class=logging.handlers.WatchedFileHandler
formatter=simple
args=('${debugLog}',)

[handler_normal]
level=INFO
class=logging.handlers.WatchedFileHandler
formatter=simple
args=('${normalLog}',)

[formatter_simple]
format=%(asctime)s %(levelname)s %(name)s: %(message)s
`);
    const pidfile = join(dir, 'launcher.pid');
    child = bin('nodepool-launcher', ['-f', '-c', e.configPath, '-p', pidfile, '-l', logconf, '--no-webapp'], { OS_CLIENT_CONFIG_FILE: e.cloudsPath });
    const output = collect(child);
    await waitFor(async () => (await e.zuul.listComponents('pool')).length === 1, { timeoutMs: 60_000, message: 'pool registered' });
    // Signal handlers are in place once start-up has logged that it is running.
    await waitFor(() => existsSync(normalLog) && readFileSync(normalLog, 'utf8').includes('"msg":"launcher running"'), { timeoutMs: 30_000, message: 'launcher running' });
    expect(readFileSync(pidfile, 'utf8').trim()).toBe(String(child.pid));
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code, output()).toBe(0);

    const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string });
    const debug = lines(debugLog);
    const normal = lines(normalLog);
    expect(debug.some((l) => l.level === 20)).toBe(true); // pino debug
    expect(normal.length).toBeGreaterThan(0);
    expect(normal.every((l) => l.level >= 30)).toBe(true); // INFO and up only
    expect(normal.map((l) => l.msg)).toContain('stopping');
    // stdout only gets warnings and worse (none in a clean run).
    const stdoutJson = output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number });
    expect(stdoutJson.every((l) => l.level >= 40)).toBe(true);
  }, 120_000);
});

describe('built nodepool-builder -f -c FILE --build-workers 2 --upload-workers 4', () => {
  let env: BuilderTestEnv | undefined;
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await env?.close();
  });

  it('registers, honours a dictConfig YAML -l file and stops on SIGTERM', async () => {
    env = await builderTestEnv('bin-builder', []);
    const e = env;
    const server = e.zk.servers[0];
    const cfg = join(e.dir, 'nodepool.yaml');
    writeFileSync(cfg, `zookeeper-servers:\n  - host: ${server.host}\n    port: ${server.port}\n    chroot: ${e.zk.chroot}\nimages-dir: ${e.imagesDir}\nbuild-log-dir: ${e.logDir}\ndiskimages: []\nproviders: []\n`);
    const logFile = join(e.dir, 'builder.log');
    const logconf = join(e.dir, 'logging.yaml');
    writeFileSync(logconf, `version: 1
handlers:
  file:
    class: logging.FileHandler
    filename: ${logFile}
    level: INFO
  syslog:
    class: logging.handlers.SysLogHandler
    address: /dev/log
loggers:
  nodepool:
    handlers: [file, syslog]
    level: DEBUG
    propagate: 0
root:
  handlers: []
  level: WARNING
`);
    child = bin('nodepool-builder', ['-f', '-c', cfg, '--build-workers', '2', '--upload-workers', '4', '-l', logconf]);
    const output = collect(child);
    await waitFor(async () => (await e.store.listComponents('builder')).length === 1, { timeoutMs: 60_000, message: 'builder registered' });
    await waitFor(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('"msg":"builder started"'), { timeoutMs: 30_000, message: 'builder started' });
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code, output()).toBe(0);
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('"msg":"builder started"');
    expect(log).toContain('"buildWorkers":2');
    // The handler we cannot reproduce is named in a warning.
    expect(log).toMatch(/handler \\"syslog\\".*ignored/);
  }, 120_000);
});
