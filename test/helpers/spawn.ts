// Spawns one of the project's entry points from source (through tsx), for crash and CLI tests.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** entry: path under src/, e.g. "cli/main.ts". */
/** The test runner's environment without OpenStack settings (OS_CLOUD, OS_CLIENT_CONFIG_FILE...):
 *  CI points those at the real-cloud lab, and a child must only see the cloud its test gives it. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('OS_')) env[key] = value;
  return { ...env, ...extra };
}

/** nodeArgs: flags for node itself (e.g. --inspect), placed before the entry point. */
export function spawnEntry(entry: string, args: string[], options: SpawnOptions & { nodeArgs?: string[] } = {}): ChildProcess {
  const { nodeArgs = [], ...spawnOptions } = options;
  return spawn(process.execPath, [...nodeArgs, '--import', 'tsx', `${projectRoot}src/${entry}`, ...args], {
    cwd: projectRoot,
    ...spawnOptions,
    env: childEnv(options.env),
  });
}

export interface RunResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs an entry point to completion and collects its output. */
export function runEntry(entry: string, args: string[], options: SpawnOptions & { input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnEntry(entry, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin!.end(options.input ?? '');
  });
}
