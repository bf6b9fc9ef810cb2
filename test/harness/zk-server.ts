// Starts a real ZooKeeper (Debian's package) on loopback with a plain and a TLS port, and
// controls it by PID: freeze (SIGSTOP), thaw (SIGCONT), restart, stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPki, type TestPki } from './certs.ts';

const JAVA_DIR = '/usr/share/java';
const CLASSPATH_JARS = [
  'zookeeper.jar', // its manifest pulls in zookeeper-jute, slf4j-api, netty-{buffer,common,handler,transport}
  'netty-codec.jar', 'netty-resolver.jar', 'netty-handler.jar', 'netty-buffer.jar', 'netty-common.jar',
  'netty-transport.jar', 'netty-transport-native-unix-common.jar',
];
const LOG_BINDING = 'slf4j-simple.jar'; // optional: server log goes to <dir>/server.log

/** What a test process needs to reach a server (serialisable, so globalSetup can provide it). */
export interface ZkServerInfo {
  host: string;
  plainPort: number;
  securePort: number;
  pid: number;
  dir: string;
  pki: TestPki;
}

export interface ZkServerHandle extends ZkServerInfo {
  /** SIGSTOP: the process stays, sockets stay open, nothing is answered. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /** Kill and start again on the same ports and data directory (sessions survive). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The server's classpath (the slf4j binding only when installed). */
export function zkClasspath(): string {
  const jars = [...CLASSPATH_JARS, ...(existsSync(join(JAVA_DIR, LOG_BINDING)) ? [LOG_BINDING] : [])];
  return jars.map((j) => join(JAVA_DIR, j)).join(':');
}

export function checkPrerequisites(): void {
  const missing = [...CLASSPATH_JARS.map((j) => join(JAVA_DIR, j)), '/usr/bin/java', '/usr/bin/openssl', '/usr/bin/keytool']
    .filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`ZooKeeper test harness: missing ${missing.join(', ')}. ` +
      'Run `bash scripts/setup-machine.sh` (installs zookeeper, libnetty-java, openssl; java comes with zookeeper).');
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

function zooCfg(dir: string, plainPort: number, securePort: number, pki: TestPki): string {
  return [
    // Short ticks allow the short session timeouts the resilience tests use.
    'tickTime=500',
    'minSessionTimeout=1000',
    'maxSessionTimeout=60000',
    `dataDir=${join(dir, 'data')}`,
    'clientPortAddress=127.0.0.1',
    `clientPort=${plainPort}`,
    'secureClientPortAddress=127.0.0.1',
    `secureClientPort=${securePort}`,
    'serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory',
    `ssl.keyStore.location=${pki.keyStore}`,
    `ssl.keyStore.password=${pki.storePassword}`,
    'ssl.keyStore.type=PKCS12',
    `ssl.trustStore.location=${pki.trustStore}`,
    `ssl.trustStore.password=${pki.storePassword}`,
    'ssl.trustStore.type=PKCS12',
    'admin.enableServer=false',
    '4lw.commands.whitelist=mntr,srvr,stat,ruok',
    // Test data is throwaway; fsync per write only slows the suite (a kill -9 still keeps it).
    'forceSync=no',
    'maxClientCnxns=0',
    '',
  ].join('\n');
}

export interface StartOptions {
  /** Reuse an existing PKI (e.g. the global server's) instead of making a new one. */
  pki?: TestPki;
  startTimeoutMs?: number;
}

/** Starts a private server; the caller must stop() it (it is also killed when this process exits). */
export async function startZkServer(options: StartOptions = {}): Promise<ZkServerHandle> {
  checkPrerequisites();
  const dir = mkdtempSync(join(tmpdir(), 'nodepool-zk-'));
  mkdirSync(join(dir, 'data'));
  let pki = options.pki;
  if (!pki) {
    mkdirSync(join(dir, 'pki'));
    pki = createTestPki(join(dir, 'pki'));
  }
  const plainPort = await freePort();
  let securePort = await freePort();
  while (securePort === plainPort) securePort = await freePort();
  const cfgPath = join(dir, 'zoo.cfg');
  writeFileSync(cfgPath, zooCfg(dir, plainPort, securePort, pki));
  const classpath = zkClasspath();
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;

  let child: ChildProcess;
  let watchdog: ChildProcess | undefined;
  const killOnExit = (): void => {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
    try { watchdog?.kill(); } catch { /* already gone */ }
  };
  process.on('exit', killOnExit);

  const launch = async (): Promise<void> => {
    const log = openSync(join(dir, 'server.log'), 'a');
    child = spawn('/usr/bin/java', ['-Xmx256m', '-XX:+UseSerialGC', '-Dzookeeper.jmx.log4j.disable=true',
      '-cp', classpath, 'org.apache.zookeeper.server.ZooKeeperServerMain', cfgPath], { stdio: ['ignore', log, log] });
    closeSync(log);
    // If this process dies without running its exit hooks (kill -9, crash), a detached watchdog
    // kills the JVM within seconds, so no orphaned servers pile up.
    watchdog = spawn('/bin/sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; kill -9 ${child.pid} 2>/dev/null; sleep 1; rm -rf '${dir}'`],
      { detached: true, stdio: 'ignore' });
    watchdog.unref();
    let exited = false;
    child.once('exit', () => { exited = true; });
    const deadline = Date.now() + startTimeoutMs;
    while (!(await canConnect(plainPort)) || !(await canConnect(securePort))) {
      if (exited) throw new Error(`ZooKeeper exited during startup; see ${join(dir, 'server.log')}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`ZooKeeper did not listen on ${plainPort}/${securePort} within ${startTimeoutMs} ms; see ${join(dir, 'server.log')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    handle.pid = child.pid!;
  };

  const kill = async (): Promise<void> => {
    watchdog?.kill();
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL'); // also ends a frozen process
    await gone;
  };

  const handle: ZkServerHandle = {
    host: '127.0.0.1',
    plainPort,
    securePort,
    pid: 0,
    dir,
    pki,
    freeze: () => { process.kill(handle.pid, 'SIGSTOP'); },
    thaw: () => { process.kill(handle.pid, 'SIGCONT'); },
    restart: async () => { await kill(); await launch(); },
    stop: async () => {
      await kill();
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await launch();
  return handle;
}

/** Only the serialisable part of a handle. */
export function serverInfo(h: ZkServerHandle): ZkServerInfo {
  return { host: h.host, plainPort: h.plainPort, securePort: h.securePort, pid: h.pid, dir: h.dir, pki: h.pki };
}
