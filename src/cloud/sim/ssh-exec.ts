// Runs an SSH exec request through /bin/sh inside the server's sandbox directory.
// There is no chroot: the command runs on this machine as this user, with cwd and HOME set to the
// sandbox and the configured absolute prefixes (e.g. /etc/nodepool) rewritten to paths below it, so
// `mkdir -p /etc/nodepool && echo x > /etc/nodepool/role` lands in <sandbox>/etc/nodepool/role.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { ServerChannel } from 'ssh2';
import type { SimCloud } from './cloud.ts';

export function rewriteSandboxPaths(command: string, sandbox: string, prefixes: string[]): string {
  let out = command;
  for (const prefix of prefixes) {
    const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // Only whole path starts: after a separator or quote, and followed by the end, "/" or a separator.
    const re = new RegExp(`(^|[\\s'"=:;(|&<>])(${escaped})(?=$|[\\s'"/;)|&<>])`, 'g');
    out = out.replace(re, (_m, before: string, path: string) => `${before}${sandbox}${path}`);
  }
  return out;
}

export function runSandboxedCommand(sim: SimCloud, serverId: string, command: string, clientEnv: Record<string, string>, channel: ServerChannel): void {
  const sandbox = sim.store.sandboxPath(serverId);
  mkdirSync(sandbox, { recursive: true });
  const rewritten = rewriteSandboxPaths(command, sandbox, sim.config.ssh.sandboxPrefixes);
  const child = spawn('/bin/sh', ['-c', rewritten], {
    cwd: sandbox,
    env: {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'C.UTF-8',
      ...clientEnv,
      HOME: sandbox,
      NODEPOOL_SANDBOX: sandbox,
      SIM_SERVER_ID: serverId,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  channel.pipe(child.stdin).on('error', () => undefined);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  child.on('error', (err) => {
    channel.stderr.write(`sh: ${err.message}\n`);
    channel.exit(127);
    channel.end();
  });
  child.on('close', (code, signal) => {
    if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '');
    else channel.exit(code ?? 0);
    channel.end();
  });
  // The client going away kills the command, as sshd does.
  channel.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
}
