// `nodepool [-c CONF] [-s SECURE] [--debug] [--version] <command>`: the operator CLI.
// Only commander loads up front; each command's module (and the config, ZooKeeper and cloud
// code it needs) is imported when that command runs, so start-up stays short.
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { homedir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Command, CommanderError, Option } from 'commander';
import type { CliContext, GlobalOptions } from './context.ts';
import type { CliIo } from './io.ts';
import type { Clock } from '../util/clock.ts';

export const DEFAULT_CONFIG = '/etc/nodepool/nodepool.yaml';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

interface RunDeps {
  io?: CliIo;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** The time ages and state times are computed against (default the system clock; tests pin it). */
  clock?: Clock;
}

/** Builds the program; `main` parses argv with it. Exported for tests of the argument surface. */
export function buildProgram(deps: RunDeps = {}): { program: Command; exitCode: () => number } {
  const env = deps.env ?? process.env;
  let exitCode = 0;
  const program = new Command('nodepool')
    .description('Manage a pool of ready OpenStack nodes (upstream Nodepool compatible).')
    .option('-c, --config <path>', 'path to nodepool.yaml (env NODEPOOL_CONFIG)', env.NODEPOOL_CONFIG || DEFAULT_CONFIG)
    .option('-s, --secure <path>', 'path to the secure file (read only when given, as upstream)')
    .option('-l, --logconfig <path>', 'accepted for upstream compatibility; logging goes to stderr')
    .option('--debug', 'log debug detail to stderr', false)
    .version(packageVersion(), '--version', 'show the version')
    .exitOverride()
    .configureOutput({
      // Usage errors stay one line: commander's "(Did you mean …?)" hint joins the error line.
      writeErr: (s) => {
        const line = s.replace(/\n\(Did you mean/, ' (Did you mean');
        if (deps.io) deps.io.err(line);
        else process.stderr.write(line);
      },
    });

  const globals = (): GlobalOptions => {
    const o = program.opts<{ config: string; secure?: string; debug: boolean }>();
    return { config: o.config, secure: o.secure, debug: o.debug };
  };

  /** Runs a command with config + ZooKeeper; every failure becomes one stderr line and exit 1. */
  const withContext = (fn: (ctx: CliContext) => Promise<void>) => async () => {
    const { openContext } = await import('./context.ts');
    const { processIo } = await import('./io.ts');
    const { systemClock } = await import('../util/clock.ts');
    const { createCliLogger } = await import('./cli-logger.ts');
    const io = deps.io ?? processIo();
    const options = globals();
    const logger = await createCliLogger(options.debug);
    let ctx: CliContext | null = null;
    // NODEPOOL_CLI_TIMING=1: where a command's wall time goes (ms since process start), on stderr.
    const timing = env.NODEPOOL_CLI_TIMING === '1' ? [`start ${performance.now().toFixed(0)}`] : null;
    try {
      ctx = await openContext(options, { io, clock: deps.clock ?? systemClock, logger, env, cwd: deps.cwd ?? process.cwd(), home: homedir() });
      timing?.push(`config+zookeeper ${performance.now().toFixed(0)}`);
      await fn(ctx);
      timing?.push(`command ${performance.now().toFixed(0)}`);
    } catch (err) {
      exitCode = await reportError(err, io, options.debug);
    } finally {
      await ctx?.close().catch(() => undefined);
      if (timing) {
        const cpu = process.cpuUsage();
        io.err(`timing: ${timing.join(', ')}, closed ${performance.now().toFixed(0)}; cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)}`);
      }
    }
  };

  const json = () => new Option('--json', 'print JSON (the web app\'s shape) instead of a table');

  program.command('list').description('list nodes').option('--detail', 'show more columns', false).addOption(json())
    .action((o) => withContext(async (ctx) => (await import('./commands/list.ts')).runList(ctx, o))());
  program.command('image-list').description('list image uploads').addOption(json())
    .action((o) => withContext(async (ctx) => (await import('./commands/image-list.ts')).runImageList(ctx, o))());
  program.command('dib-image-list').description('list images built with diskimage-builder').addOption(json())
    .action((o) => withContext(async (ctx) => (await import('./commands/dib-image-list.ts')).runDibImageList(ctx, o))());
  program.command('image-status').description('show image pause and build request status').addOption(json())
    .action((o) => withContext(async (ctx) => (await import('./commands/image-status.ts')).runImageStatus(ctx, o))());
  program.command('request-list').description('list node requests').option('--explain', 'say why each waiting request waits', false).addOption(json())
    .action((o) => withContext(async (ctx) => (await import('./commands/request-list.ts')).runRequestList(ctx, o))());
  program.command('why').description('explain why a node request is still waiting').argument('<request-id>').addOption(json())
    .action((id, o) => withContext(async (ctx) => (await import('./commands/why.ts')).runWhy(ctx, id, o))());
  program.command('image-build').description('request a diskimage build now').argument('<image>')
    .action((image) => withContext(async (ctx) => (await import('./commands/image-build.ts')).runImageBuild(ctx, image))());
  program.command('image-upload').description('request an upload of the newest ready build (classic)').argument('<provider>').argument('<image>')
    .action((provider, image) => withContext(async (ctx) => (await import('./commands/image-upload.ts')).runImageUpload(ctx, provider, image))());
  program.command('image-delete').description('delete an image upload')
    .requiredOption('--provider <name>', 'provider name').requiredOption('--image <name>', 'image name')
    .requiredOption('--build-id <id>', 'image build id').requiredOption('--upload-id <id>', 'image upload id')
    .action((o) => withContext(async (ctx) => (await import('./commands/image-delete.ts')).runImageDelete(ctx, o))());
  program.command('dib-image-delete').description('delete an image build').argument('<id>', '<image>-<build id>')
    .action((id) => withContext(async (ctx) => (await import('./commands/dib-image-delete.ts')).runDibImageDelete(ctx, id))());
  program.command('image-pause').description('pause building an image').argument('<image>')
    .action((image) => withContext(async (ctx) => (await import('./commands/image-pause.ts')).runImagePause(ctx, image))());
  program.command('image-unpause').description('resume building an image').argument('<image>')
    .action((image) => withContext(async (ctx) => (await import('./commands/image-unpause.ts')).runImageUnpause(ctx, image))());
  program.command('alien-image-list').description('list cloud images nodepool made but no longer knows').argument('[provider]').addOption(json())
    .action((provider, o) => withContext(async (ctx) => (await import('./commands/alien-image-list.ts')).runAlienImageList(ctx, provider, o))());
  program.command('delete').description('delete a node').argument('<id>').option('--now', 'delete the server here and now', false).addOption(json())
    .action((id, o) => withContext(async (ctx) => (await import('./commands/delete.ts')).runDelete(ctx, id, o))());
  program.command('hold').description('place a node in the hold state').argument('<id>').addOption(json())
    .action((id, o) => withContext(async (ctx) => (await import('./commands/hold.ts')).runHold(ctx, id, o))());
  program.command('info').description('show the ZooKeeper data of a provider').argument('<provider>').addOption(json())
    .action((provider, o) => withContext(async (ctx) => (await import('./commands/info.ts')).runInfo(ctx, provider, o))());
  program.command('erase').description('erase the ZooKeeper data of a provider').argument('<provider>').option('--force', 'do not ask', false)
    .action((provider, o) => withContext(async (ctx) => (await import('./commands/erase.ts')).runErase(ctx, provider, o))());
  program.command('export-image-data').description('export image build/upload records to a file').argument('<path>')
    .action((path) => withContext(async (ctx) => (await import('./commands/export-image-data.ts')).runExportImageData(ctx, path))());
  program.command('import-image-data').description('import image records from an export file').argument('<path>')
    .action((path) => withContext(async (ctx) => (await import('./commands/import-image-data.ts')).runImportImageData(ctx, path))());
  program.command('config-validate').description('validate the configuration file (no ZooKeeper)')
    .option('--strict', 'files missing on this host (private keys, ready-scripts, elements-dir) are errors, not warnings', false)
    .action(async (o: { strict: boolean }) => {
      const { runConfigValidate } = await import('./commands/config-validate.ts');
      const g = globals();
      const io = deps.io;
      exitCode = await runConfigValidate(
        { config: g.config, secure: g.secure, env, cwd: deps.cwd ?? process.cwd(), strict: o.strict },
        io ? { stdout: { write: (s: string) => io.out(s) }, stderr: { write: (s: string) => io.err(s) } } : { stdout: process.stdout, stderr: process.stderr },
      );
    });

  return { program, exitCode: () => exitCode };
}

async function reportError(err: unknown, io: CliIo, debug: boolean): Promise<number> {
  const { CliError } = await import('./errors.ts');
  if (err instanceof CliError) {
    io.err(`nodepool: ${err.message}`);
    return err.exitCode;
  }
  const { ConfigError } = await import('../config/errors.ts');
  if (err instanceof ConfigError) {
    io.err(`nodepool: ${err.message}`);
    return 1;
  }
  io.err(`nodepool: ${(err as Error)?.message ?? String(err)}`);
  if (debug && err instanceof Error && err.stack) io.err(err.stack);
  return 1;
}

/** Parses argv and runs; resolves to the exit status. */
export async function main(argv: string[], deps: RunDeps = {}): Promise<number> {
  const { program, exitCode } = buildProgram(deps);
  if (argv.length === 0) {
    // Upstream prints help and fails when no command is given.
    (deps.io ? deps.io.err : (s: string) => process.stderr.write(s))(program.helpInformation());
    return 1;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed by commander.
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 1;
    }
    throw err;
  }
  return exitCode();
}

/** True when this module is the program (run directly, or imported by bin/nodepool.js). */
function isProgramEntry(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    const real = realpathSync(script);
    return real === fileURLToPath(import.meta.url) || /[\/\\]bin[\/\\]nodepool(\.js)?$/.test(real);
  } catch {
    return false;
  }
}

if (isProgramEntry()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`nodepool: ${(err as Error)?.message ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
