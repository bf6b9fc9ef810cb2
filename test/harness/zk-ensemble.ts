// A real three-member ZooKeeper ensemble on loopback (Debian's package, one JVM per member, each
// with its own data dir, client, quorum and election ports), for tests of leader loss, rolling
// restarts and partitions. Members are controlled by PID: kill (SIGKILL), stop (SIGTERM),
// freeze (SIGSTOP), thaw, start again; `srvr`/`mntr` say who leads.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ZkServer } from '../../src/zk/types.ts';
import { createTestPki, type TestPki } from './certs.ts';
import { checkPrerequisites, freePort, zkClasspath } from './zk-server.ts';

export type MemberMode = 'leader' | 'follower' | 'read-only' | 'standalone' | 'not-serving' | 'down';

export interface EnsembleMember {
  readonly id: number;
  readonly host: string;
  readonly plainPort: number;
  readonly securePort: number;
  readonly quorumPort: number;
  readonly electionPort: number;
  readonly dir: string;
  /** PID of the running JVM; 0 while stopped. */
  readonly pid: number;
  readonly running: boolean;
  /** SIGKILL; resolves once the JVM is gone. */
  kill(): Promise<void>;
  /** SIGTERM (an orderly shutdown); SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** Starts the JVM again on the same ports and data; resolves once it listens. */
  start(): Promise<void>;
  /** kill() then start(). */
  restart(): Promise<void>;
  /** SIGSTOP: sockets stay open, nothing is answered, not even the quorum. */
  freeze(): void;
  thaw(): void;
  /** From `srvr`; 'down' when the port does not answer. */
  mode(): Promise<MemberMode>;
  /** `mntr` as key/value pairs (zk_server_state, zk_znode_count, zk_packets_received...). */
  mntr(): Promise<Map<string, string>>;
}

export interface ZkEnsemble {
  readonly members: readonly EnsembleMember[];
  readonly pki: TestPki;
  readonly quorumTls: boolean;
  /** Every member's plain or TLS client port, as a zookeeper-servers list. */
  servers(transport: 'plain' | 'tls'): ZkServer[];
  /** The member that says it leads, once exactly one does and a quorum serves (waits). */
  leader(timeoutMs?: number): Promise<EnsembleMember>;
  followers(timeoutMs?: number): Promise<EnsembleMember[]>;
  /** Waits until every running member serves as leader or follower. */
  waitServing(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface EnsembleOptions {
  size?: number;
  /** TLS between the members too (sslQuorum), not only towards clients. */
  quorumTls?: boolean;
  /** Members that lose the quorum serve read-only clients (readonlymode.enabled). */
  readOnlyMode?: boolean;
  heapMb?: number;
  /** Reuse a PKI (e.g. the shared server's) instead of making a new one. */
  pki?: TestPki;
}

/** Sends a four-letter word to a member's plain port and returns the answer. */
export function fourLetterWord(port: number, word: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let out = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`${word} on ${port}: no answer within ${timeoutMs} ms`)); }, timeoutMs);
    socket.once('connect', () => socket.write(word));
    socket.on('data', (d) => (out += d.toString()));
    socket.once('error', (e) => { clearTimeout(timer); reject(e); });
    socket.once('close', () => { clearTimeout(timer); resolve(out); });
  });
}

export function parseMode(srvr: string): MemberMode {
  const m = /^Mode: (\S+)/m.exec(srvr);
  if (!m) return 'not-serving';
  return (['leader', 'follower', 'read-only', 'standalone'] as const).find((x) => x === m[1]) ?? 'not-serving';
}

interface Ports { plain: number; secure: number; quorum: number; election: number }

function memberConfig(dir: string, ports: Ports, all: Ports[], pki: TestPki, quorumTls: boolean): string {
  return [
    // Short ticks: a frozen leader is dropped after syncLimit ticks (2 s), sessions may be 1-60 s.
    'tickTime=500',
    'initLimit=20',
    'syncLimit=4',
    'minSessionTimeout=1000',
    'maxSessionTimeout=60000',
    `dataDir=${join(dir, 'data')}`,
    'clientPortAddress=127.0.0.1',
    `clientPort=${ports.plain}`,
    'secureClientPortAddress=127.0.0.1',
    `secureClientPort=${ports.secure}`,
    'serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory',
    `ssl.keyStore.location=${pki.keyStore}`,
    `ssl.keyStore.password=${pki.storePassword}`,
    'ssl.keyStore.type=PKCS12',
    `ssl.trustStore.location=${pki.trustStore}`,
    `ssl.trustStore.password=${pki.storePassword}`,
    'ssl.trustStore.type=PKCS12',
    ...(quorumTls ? [
      'sslQuorum=true',
      `ssl.quorum.keyStore.location=${pki.keyStore}`,
      `ssl.quorum.keyStore.password=${pki.storePassword}`,
      'ssl.quorum.keyStore.type=PKCS12',
      `ssl.quorum.trustStore.location=${pki.trustStore}`,
      `ssl.quorum.trustStore.password=${pki.storePassword}`,
      'ssl.quorum.trustStore.type=PKCS12',
      // Peers reach each other by IP; the certificate's SAN has 127.0.0.1, but checking a peer's
      // client certificate would need reverse DNS, which a loopback test must not depend on.
      'ssl.quorum.hostnameVerification=false',
    ] : []),
    'admin.enableServer=false',
    // The harness asks members who leads; nothing else is needed.
    '4lw.commands.whitelist=srvr,mntr,ruok',
    'forceSync=no',
    'maxClientCnxns=0',
    ...all.map((p, i) => `server.${i + 1}=127.0.0.1:${p.quorum}:${p.election}`),
    '',
  ].join('\n');
}

async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`zk ensemble: ${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startZkEnsemble(options: EnsembleOptions = {}): Promise<ZkEnsemble> {
  checkPrerequisites();
  const size = options.size ?? 3;
  const quorumTls = options.quorumTls ?? false;
  const base = mkdtempSync(join(tmpdir(), 'nodepool-zk-ensemble-'));
  let pki = options.pki;
  if (!pki) {
    mkdirSync(join(base, 'pki'));
    pki = createTestPki(join(base, 'pki'));
  }
  const flat = await distinctPorts(size * 4);
  const ports: Ports[] = Array.from({ length: size }, (_, i) => ({
    plain: flat[4 * i], secure: flat[4 * i + 1], quorum: flat[4 * i + 2], election: flat[4 * i + 3],
  }));
  const classpath = zkClasspath();
  const children = new Set<ChildProcess>();
  const killAll = (): void => { for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } } };
  process.on('exit', killAll);

  const makeMember = (index: number): EnsembleMember => {
    const id = index + 1;
    const dir = join(base, `member-${id}`);
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'data', 'myid'), `${id}\n`);
    const cfgPath = join(dir, 'zoo.cfg');
    writeFileSync(cfgPath, memberConfig(dir, ports[index], ports, pki!, quorumTls));
    let child: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();
    const isRunning = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;
    const waitGone = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
      if (!isRunning()) return;
      const c = child!;
      try { c.kill('SIGCONT'); } catch { /* gone */ }
      c.kill(signal);
      const timer = setTimeout(() => { try { c.kill('SIGKILL'); } catch { /* gone */ } }, graceMs);
      await exited;
      clearTimeout(timer);
    };
    const member: EnsembleMember = {
      id,
      host: '127.0.0.1',
      plainPort: ports[index].plain,
      securePort: ports[index].secure,
      quorumPort: ports[index].quorum,
      electionPort: ports[index].election,
      dir,
      get pid() { return isRunning() ? child!.pid! : 0; },
      get running() { return isRunning(); },
      async start() {
        if (isRunning()) throw new Error(`zk ensemble: member ${id} already runs`);
        const log = openSync(join(dir, 'server.log'), 'a');
        const jvmOptions = [`-Xmx${options.heapMb ?? 64}m`, '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xss512k',
          '-Dzookeeper.jmx.log4j.disable=true', ...(options.readOnlyMode ? ['-Dreadonlymode.enabled=true'] : [])];
        const c = spawn('/usr/bin/java', [...jvmOptions, '-cp', classpath, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfgPath],
          { stdio: ['ignore', log, log] });
        closeSync(log);
        child = c;
        children.add(c);
        exited = new Promise((resolve) => c.once('exit', () => { children.delete(c); resolve(); }));
        // A detached watchdog kills the JVM if this process dies without its exit hooks.
        spawn('/bin/sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${c.pid} 2>/dev/null; do sleep 2; done; kill -9 ${c.pid} 2>/dev/null`],
          { detached: true, stdio: 'ignore' }).unref();
        await waitUntil(`member ${id} listening`, async () => {
          if (!isRunning()) throw new Error(`zk ensemble: member ${id} exited during startup; see ${join(dir, 'server.log')}`);
          return (await fourLetterWord(ports[index].plain, 'ruok', 1000).catch(() => '')) === 'imok';
        }, 60_000);
      },
      kill: () => waitGone('SIGKILL', 0),
      stop: () => waitGone('SIGTERM', 10_000),
      async restart() { await member.kill(); await member.start(); },
      freeze() { if (isRunning()) process.kill(child!.pid!, 'SIGSTOP'); },
      thaw() { if (isRunning()) process.kill(child!.pid!, 'SIGCONT'); },
      async mode() {
        if (!isRunning()) return 'down';
        const out = await fourLetterWord(ports[index].plain, 'srvr').catch(() => null);
        return out === null ? 'down' : parseMode(out);
      },
      async mntr() {
        const out = await fourLetterWord(ports[index].plain, 'mntr');
        return new Map(out.split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string]));
      },
    };
    return member;
  };

  const members = Array.from({ length: size }, (_, i) => makeMember(i));
  const serving = async (): Promise<MemberMode[]> => Promise.all(members.filter((m) => m.running).map((m) => m.mode()));
  const ensemble: ZkEnsemble = {
    members,
    pki: pki!,
    quorumTls,
    servers: (transport) => members.map((m) => ({ host: m.host, port: transport === 'tls' ? m.securePort : m.plainPort })),
    async waitServing(timeoutMs = 60_000) {
      await waitUntil('all running members serving', async () => {
        const modes = await serving();
        return modes.every((m) => m === 'leader' || m === 'follower') && modes.filter((m) => m === 'leader').length === 1;
      }, timeoutMs);
    },
    async leader(timeoutMs = 60_000) {
      let found: EnsembleMember | undefined;
      await waitUntil('a leader', async () => {
        const modes = await Promise.all(members.map((m) => m.mode()));
        const leaders = members.filter((_, i) => modes[i] === 'leader');
        const followers = modes.filter((m) => m === 'follower').length;
        found = leaders.length === 1 && 1 + followers > size / 2 ? leaders[0] : undefined;
        return found !== undefined;
      }, timeoutMs);
      return found!;
    },
    async followers(timeoutMs = 60_000) {
      const leader = await ensemble.leader(timeoutMs);
      return members.filter((m) => m !== leader);
    },
    async stop() {
      await Promise.all(members.map((m) => m.kill()));
      process.off('exit', killAll);
      rmSync(base, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(members.map((m) => m.start()));
    await ensemble.waitServing();
  } catch (e) {
    await ensemble.stop().catch(() => undefined);
    throw e;
  }
  return ensemble;
}
