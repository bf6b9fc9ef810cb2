// What the benches of the shipped launcher share: the compiled `nodepool-launcher` started as
// operators start it (bin/, plain node, its log to a file), the cloud image its labels boot,
// waiting on a condition, and the machine's load average to print beside each figure.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.ts';
import type { CloudConfig } from '../../src/config/model.ts';
import { OpenStackProvider } from '../../src/cloud/openstack/provider.ts';
import { systemClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';

export const root = fileURLToPath(new URL('../../', import.meta.url));

export function requireBuild(): void {
  if (!existsSync(join(root, 'dist/launcher/main.js'))) throw new Error('run `npm run build` first: this benchmark measures the compiled daemon');
}

/** The 1, 5 and 15 minute load averages, as printed beside the figures. */
export const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

export async function waitFor(what: string, ok: () => Promise<boolean>, limitMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await ok().catch(() => false)) return performance.now() - started;
    if (performance.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Uploads a 1 KiB image under the name the config's first provider boots (a cloud image). */
export async function uploadCloudImage(configPath: string, cloud: CloudConfig, dir: string, name: string): Promise<void> {
  const { config } = await loadConfig(configPath, { env: {} });
  const uploader = new OpenStackProvider(config.providers[0], cloud, { clock: systemClock, logger: silentLogger() });
  await uploader.start();
  const imageFile = join(dir, `${name}.qcow2`);
  writeFileSync(imageFile, Buffer.alloc(1024, 1));
  await uploader.uploadImage({ name, filePath: imageFile, format: 'qcow2', metadata: {} });
  await uploader.stop();
}

/** Starts bin/nodepool-launcher.js on the compiled dist/ with `-c configPath` and `args`; its
 *  stdout and stderr are appended to `logFile` (stdout stays readable by the caller too). */
export function startShippedLauncher(opts: { dir: string; configPath: string; logFile: string; args?: string[]; env?: Record<string, string> }): ChildProcess {
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const launcher = spawn(process.execPath, [join(root, 'bin/nodepool-launcher.js'), '-c', opts.configPath, ...(opts.args ?? [])], {
    cwd: opts.dir, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env, OS_CLIENT_CONFIG_FILE: join(opts.dir, 'clouds.yaml'), NODEPOOL_FROM_SOURCE: '0' },
  });
  launcher.stdout!.pipe(log);
  launcher.stderr!.pipe(log);
  return launcher;
}
