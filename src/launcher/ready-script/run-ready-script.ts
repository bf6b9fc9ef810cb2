// The classic ready-script step (upstream 0.4's, ./README.md): log in to the booted node as the
// label's user with its private key, check /etc/nodepool, write the node's files there, install
// the script from the scripts dir beside the config (else the image's copy in
// /opt/nodepool-scripts is used), run it with the NODEPOOL_* variables and the hostname, and
// stream its output to `<log dir>/<node id>.log`. Any failure throws: the launcher counts a
// failed attempt.
import { createWriteStream, statSync, type WriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import ssh2 from 'ssh2';
import type { Node } from '../../model/types.ts';
import type { RunReadyScript, ReadyScriptParams } from '../worker-contracts.ts';
import type { LauncherDeps } from '../deps.ts';
import { serverName } from '../node-spec.ts';
import { SshSession } from '../nodescan-ssh/ssh-session.ts';
import { consumedEnvVarsOf } from '../../config/consumed-env.ts';
import type { NodepoolConfig } from '../../config/model.ts';
import { NODEPOOL_DIR, nodepoolFiles, type NodeKeyPair } from './node-files.ts';
import { CappedLogWriter, pruneReadyScriptLogs } from './ready-script-logs.ts';
import {
  CHECK_NODEPOOL_DIR, forwardedDaemonEnv, installScriptCommand, readyScriptEnv, runScriptCommand, scriptNameProblem,
  type EnvForwarding,
} from './script-command.ts';

/** Pause between login attempts while the node's sshd (or its authorized key) comes up. */
const LOGIN_RETRY_MS = 1000;

/** The per-node log file of the ready-script output. */
export function readyScriptLogPath(deps: Pick<LauncherDeps, 'readyScriptLogDir' | 'getConfig'>, nodeId: string): string {
  const dir = deps.readyScriptLogDir ?? join(dirname(deps.getConfig().buildLogDir), 'ready-script');
  return join(dir, `${nodeId}.log`);
}

/** A fresh RSA pair for the node's /etc/nodepool/id_rsa (classic shares one per node set). */
export async function newNodeKeyPair(nodeId: string): Promise<NodeKeyPair> {
  return new Promise((resolve, reject) => {
    ssh2.utils.generateKeyPair('rsa', { bits: 2048, comment: `nodepool-node-${nodeId}` }, (err, pair) => {
      if (err) reject(err);
      else resolve({ private: pair.private, public: pair.public });
    });
  });
}

async function readPrivateKey(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    // The code only: the key's path is configuration, its content never appears.
    throw new Error(`cannot read private-key ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

async function readLocalScript(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ready-script ${path}: ${(err as Error).message}`);
  }
}

/** Logs in, retrying until boot-timeout passes: without a host-key scan the node may still be booting. */
async function login(p: ReadyScriptParams, privateKey: Buffer, username: string): Promise<SshSession> {
  const { node, deps, signal } = p;
  const deadline = deps.clock.now() + p.provider.bootTimeout * 1000;
  for (;;) {
    try {
      return await SshSession.open({
        host: node.interface_ip!, port: node.connection_port, username, privateKey,
        hostKeys: node.host_keys, readyTimeoutMs: Math.max(1000, Math.min(30_000, deadline - deps.clock.now())), signal,
      });
    } catch (err) {
      signal.throwIfAborted();
      if (deps.clock.now() + LOGIN_RETRY_MS >= deadline) throw err;
      await deps.clock.sleep(LOGIN_RETRY_MS, signal);
    }
  }
}

/** What the config allows through to the script, and a note for the log when it cannot tell. */
function envForwarding(config: NodepoolConfig): { forwarding: EnvForwarding; problem: string | null } {
  const consumed = consumedEnvVarsOf(config);
  const allow = config.readyScriptEnv ?? null;
  if ('unknown' in consumed) {
    return { forwarding: { consumed: null, allow }, problem: `cannot tell which variables the config consumes (${consumed.unknown}): none of the daemon's NODEPOOL_* variables are forwarded` };
  }
  return { forwarding: { consumed: consumed.names, allow }, problem: null };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function openLog(path: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const stream = createWriteStream(path, { flags: 'a', mode: 0o640 });
    stream.once('open', () => resolve(stream));
    stream.once('error', (err) => reject(new Error(`cannot open ready-script log ${path}: ${err.message}`)));
  });
}

function closeLog(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => stream.end(() => resolve()));
}

export const runReadyScript: RunReadyScript = async (p) => {
  const { node, label, provider, deps, signal } = p;
  const script = label.readyScript;
  if (!script) return;
  const nameProblem = scriptNameProblem(script);
  if (nameProblem) throw new Error(nameProblem);
  if (!node.interface_ip) throw new Error('node has no address to run the ready-script on');
  if (!label.privateKey) throw new Error(`label ${label.name} has ready-script ${script} but no private-key to log in with`);
  const username = label.username ?? node.username;
  const config = deps.getConfig();
  const [privateKey, localScript, keys] = await Promise.all([
    readPrivateKey(label.privateKey),
    readLocalScript(join(config.scriptsDir, script)),
    newNodeKeyPair(node.id),
  ]);
  const logPath = readyScriptLogPath(deps, node.id);
  await mkdir(dirname(logPath), { recursive: true });
  pruneReadyScriptLogs(dirname(logPath), basename(logPath));
  const stream = await openLog(logPath);
  const log = new CappedLogWriter((chunk) => stream.write(chunk), sizeOf(logPath));
  const stamp = () => new Date(deps.clock.now()).toISOString();
  const logger = deps.logger.child({ node: node.id, provider: provider.name, label: label.name, script });
  log.note(`=== ${stamp()} ready-script ${script} for node ${node.id} server ${node.external_id ?? '-'} at ${username}@${node.interface_ip}:${node.connection_port}\n`);
  let session: SshSession | null = null;
  try {
    session = await login(p, privateKey, username);
    await prepareNode(session, node, provider, keys, signal);
    if (localScript) {
      const out: Buffer[] = [];
      let outBytes = 0;
      const keep = (d: Buffer) => { if (outBytes < 4096) { out.push(d); outBytes += d.length; } };
      const code = await session.exec(installScriptCommand(script), { stdin: localScript, signal, onOutput: keep });
      if (code !== 0) throw new Error(`cannot install ${script} into /opt/nodepool-scripts (exit ${code}): ${Buffer.concat(out).toString().trim().slice(0, 300)}`);
      log.note(`=== installed ${join(config.scriptsDir, script)} as /opt/nodepool-scripts/${script}\n`);
    } else {
      log.note(`=== ${script} is not in ${config.scriptsDir}: using the image's /opt/nodepool-scripts/${script}\n`);
    }
    const { forwarding, problem } = envForwarding(config);
    if (problem) log.note(`=== ${problem}\n`);
    const withheld = forwardedDaemonEnv(deps.environment ?? {}, forwarding).withheld;
    // Names only: the values may be secrets.
    if (withheld.length > 0) log.note(`=== not forwarded to the script: ${withheld.join(', ')}\n`);
    const env = readyScriptEnv(deps.environment ?? {}, node, provider, forwarding);
    const started = deps.clock.now();
    const code = await session.exec(runScriptCommand(script, node.hostname ?? serverName(node.id), env), {
      signal, onOutput: (chunk) => log.write(chunk),
    });
    log.note(`=== ${stamp()} exit ${code}\n`);
    if (code !== 0) throw new Error(`ready-script ${script} exited with ${code} (output in ${logPath})`);
    logger.info({ ms: deps.clock.now() - started, log: logPath }, 'ready-script succeeded');
  } catch (err) {
    const message = signal.aborted ? `aborted: ${String(signal.reason)}` : (err as Error).message;
    log.note(`=== ${stamp()} failed: ${message}\n`);
    logger.warn({ err: message, log: logPath }, 'ready-script failed');
    throw err;
  } finally {
    session?.close();
    await closeLog(stream);
  }
};

async function prepareNode(session: SshSession, node: Node, provider: ReadyScriptParams['provider'], keys: NodeKeyPair, signal: AbortSignal): Promise<void> {
  const check = await session.exec(CHECK_NODEPOOL_DIR, { signal });
  if (check !== 0) throw new Error(`${NODEPOOL_DIR} does not exist on the node (the image's nodepool element must create it, writable by the login user)`);
  const files = nodepoolFiles(node, provider, keys);
  await session.writeFiles(files.map((f) => ({ path: `${NODEPOOL_DIR}/${f.name}`, content: f.content, mode: f.mode })));
}
