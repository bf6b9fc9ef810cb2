// `nodepool config-validate [-c FILE] [-s SECURE] [--strict]`: exit 0 when valid (warnings on
// stderr), otherwise exit 1 with one `FILE:LINE:COL: key.path: what (expected)` line per
// problem. Files that belong on the daemon's host (private keys, ready-scripts, elements-dir)
// are only warnings, so a config repository's CI can run it; --strict makes them errors.
import { formatProblem, formatProblemWithSeverity } from '../../config/errors.ts';
import { validateConfig } from '../../config/load.ts';

export interface ConfigValidateIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

export interface ConfigValidateOptions {
  config: string;
  secure?: string;
  /** Defaults to process.env / process.cwd(): this is the program's edge. */
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** Files missing on this host are errors. */
  strict?: boolean;
}

export async function runConfigValidate(opts: ConfigValidateOptions, io: ConfigValidateIo): Promise<number> {
  const result = await validateConfig(opts.config, {
    secure: opts.secure,
    env: opts.env ?? process.env,
    cwd: opts.cwd ?? process.cwd(),
    strict: opts.strict ?? false,
  });
  for (const p of result.errors) io.stderr.write(formatProblem(p) + '\n');
  for (const p of result.warnings) io.stderr.write(formatProblemWithSeverity(p) + '\n');
  if (!result.config) {
    io.stderr.write(`${opts.config}: invalid (${result.errors.length} error${result.errors.length === 1 ? '' : 's'}, ${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'})\n`);
    return 1;
  }
  const c = result.config;
  const poolLabels = c.providers.reduce((n, p) => n + p.pools.reduce((m, pool) => m + pool.labels.length, 0), 0);
  io.stdout.write(
    `${opts.config}: valid (${c.format} format; ${c.providers.length + c.staticProviders.length} provider(s), ${c.labels.length} label(s), ` +
      `${poolLabels} pool label(s), ${c.diskimages.length} diskimage(s); ${result.warnings.length} warning(s))\n`,
  );
  return 0;
}
