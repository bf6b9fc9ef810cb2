// nodepool-cloud-sim: runs the OpenStack API simulator until SIGINT/SIGTERM and prints its clouds.yaml.
import { Command } from 'commander';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfigFile } from './config.ts';
import { startSimulator } from './server.ts';

const program = new Command()
  .name('nodepool-cloud-sim')
  .description('OpenStack API simulator (Keystone, Nova, Glance, Neutron) on loopback, for tests and the demo')
  .option('--listen <host:port>', 'loopback address to listen on', '127.0.0.1:0')
  .option('--state-dir <dir>', 'directory for state.json, image files and SSH sandboxes (kept across restarts)')
  .option('--config <file>', 'simulator config (YAML or JSON)')
  .option('--cloud-name <name>', 'cloud name used in the printed clouds.yaml', 'sim')
  .option('--auth <type>', 'password or application_credential', 'password')
  .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (also written as cacert into clouds.yaml)')
  .option('--tls-key <file>', 'PEM private key for --tls-cert')
  .parse();

const opts = program.opts<{ listen: string; stateDir?: string; config?: string; cloudName: string; auth: string; tlsCert?: string; tlsKey?: string }>();

function fail(message: string): never {
  process.stderr.write(`nodepool-cloud-sim: ${message}\n`);
  process.exit(2);
}

const m = /^(.*):(\d+)$/.exec(opts.listen);
if (!m) fail(`--listen must be HOST:PORT, got ${opts.listen}`);
const host = m[1].replace(/^\[(.*)\]$/, '$1');
const port = Number(m[2]);
if (port > 65535) fail(`--listen port out of range: ${port}`);
if (opts.auth !== 'password' && opts.auth !== 'application_credential') fail('--auth must be password or application_credential');
if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) fail('--tls-cert and --tls-key go together');

try {
  const config = opts.config ? loadConfigFile(opts.config) : undefined;
  if (opts.stateDir) mkdirSync(opts.stateDir, { recursive: true });
  const tls = opts.tlsCert && opts.tlsKey ? { cert: readFileSync(opts.tlsCert), key: readFileSync(opts.tlsKey), caFile: resolve(opts.tlsCert) } : undefined;
  const sim = await startSimulator({ host, port, stateDir: opts.stateDir, config, tls });
  const yaml = sim.cloudsYaml(opts.cloudName, { auth: opts.auth });
  // Also written next to the state so scripts can point OS_CLIENT_CONFIG_FILE at it.
  writeFileSync(join(sim.stateDir, 'clouds.yaml'), yaml, { mode: 0o600 });
  process.stdout.write(`# nodepool-cloud-sim listening on ${sim.url} (state: ${sim.stateDir})\n${yaml}`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`nodepool-cloud-sim: close failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (err) {
  fail((err as Error).message);
}
