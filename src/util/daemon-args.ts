// The command line both daemons share, as upstream's daemons take it (nodepool/cmd/__init__.py):
// -c config, -s secure, -d (foreground, debug logging unless -l), -f (foreground), -p pidfile,
// -l logging config, --version. We never fork, so -d/-f only keep their logging meaning; the pid
// file is written only when -p is given (upstream writes its default one only when it forks).
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

export const DEFAULT_CONFIG = '/etc/nodepool/nodepool.yaml';

export interface DaemonArgs {
  config: string;
  secure?: string;
  /** -d / --debug: debug logging when no -l file says otherwise. */
  debug: boolean;
  foreground: boolean;
  pidfile?: string;
  /** -l: a Python logging config file (INI for fileConfig, or YAML for dictConfig). */
  logconfig?: string;
}

export interface LauncherArgs extends DaemonArgs { webapp: boolean }

export interface BuilderArgs extends DaemonArgs {
  buildOnly: boolean;
  uploadOnly: boolean;
  buildWorkers: number;
  uploadWorkers: number;
  /** Beyond upstream: serve Prometheus /metrics on [HOST:]PORT. */
  metricsListen?: string;
}

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The result of parsing: run with these options, or exit now with this code (help, version, usage error). */
export type Parsed<T> = { kind: 'run'; args: T } | { kind: 'exit'; code: number };

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return Number(value);
}

function common(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .option('-c, --config <file>', 'nodepool.yaml', DEFAULT_CONFIG)
    .option('-s, --secure <file>', 'secure file (ZooKeeper credentials and other secrets)')
    .option('-d, --debug', 'debug logging (upstream: also stay in the foreground; we never fork)', false)
    .option('-f, --foreground', 'stay in the foreground (we always do; accepted for upstream command lines)', false)
    .option('-p, --pidfile <file>', 'write the process id to this file')
    .option('-l, --logconfig <file>', 'Python logging config (fileConfig INI or dictConfig YAML): handler levels and log files are taken from it')
    // Upstream's debugging REPL runs Python in the daemon; there is nothing equivalent to offer.
    .addOption(new Option('--repl').hideHelp())
    .version(packageVersion(), '--version', 'show the version')
    .allowExcessArguments(false)
    .exitOverride();
}

function run<T extends DaemonArgs>(program: Command, argv: string[], check: (opts: T) => string | null): Parsed<T> {
  try {
    program.parse(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help / --version print and exit 0; usage errors were already printed by commander.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return { kind: 'exit', code: 0 };
      return { kind: 'exit', code: 2 };
    }
    throw err;
  }
  const opts = program.opts<T & { repl?: boolean }>();
  if (opts.repl) {
    process.stderr.write(`${program.name()}: --repl is not supported: upstream's REPL runs Python inside the daemon and there is no equivalent here; use the web app, \`nodepool\` CLI or the logs\n`);
    return { kind: 'exit', code: 2 };
  }
  const problem = check(opts);
  if (problem) {
    process.stderr.write(`${program.name()}: ${problem}\n`);
    return { kind: 'exit', code: 2 };
  }
  return { kind: 'run', args: opts };
}

export function parseLauncherArgs(argv: string[]): Parsed<LauncherArgs> {
  const program = common('nodepool-launcher', 'Serves node requests from ZooKeeper by launching and deleting cloud servers')
    .option('--no-webapp', 'do not serve the status web app');
  return run<LauncherArgs>(program, argv, () => null);
}

export function parseBuilderArgs(argv: string[]): Parsed<BuilderArgs> {
  const program = common('nodepool-builder', 'Builds diskimages with diskimage-builder and uploads them to the providers')
    .option('--build-workers <n>', 'build workers (upstream default 1)', positiveInt, 1)
    .option('--upload-workers <n>', 'upload workers (upstream default 4)', positiveInt, 4)
    .option('--build-only', 'only build images (no uploads)', false)
    .option('--upload-only', 'only upload images (no builds)', false)
    .option('--metrics-listen <[host:]port>', 'serve Prometheus /metrics here (not in upstream; host defaults to 127.0.0.1)');
  return run<BuilderArgs>(program, argv, (o) => {
    if (o.buildOnly && o.uploadOnly) return '--build-only and --upload-only exclude each other';
    if (o.metricsListen !== undefined && !/^(?:(?:\[[^\]]+\]|[^:]+):)?\d{1,5}$/.test(o.metricsListen)) return `--metrics-listen takes PORT or HOST:PORT, got "${o.metricsListen}"`;
    return null;
  });
}
