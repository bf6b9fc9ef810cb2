// The one entry point for nodepool.yaml in either format: parse (YAML 1.1, positions kept),
// substitute %(NODEPOOL_X), validate the schema, normalise to the model, merge the secure file,
// run the semantic and file checks, and freeze. Every problem of one pass is reported together.
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { dirname, join, resolve } from 'node:path';
import { deepFreeze } from './deep-freeze.ts';
import { detectFormat, isRecord } from './detect-format.ts';
import type { Env } from './env-substitute.ts';
import { nonStringKeyProblems, readYaml } from './read-yaml.ts';
import { ConfigError, hasErrors, type ConfigProblem } from './errors.ts';
import { diskProbe, fileProblems, type FileProbe } from './file-checks.ts';
import type { NodepoolConfig } from './model.ts';
import { normalizeClassic } from './normalize-classic.ts';
import { normalizeCurrent, type NormalizeContext } from './normalize-current.ts';
import { Origins } from './origins.ts';
import { classicSchema } from './schema/classic.ts';
import { currentSchema } from './schema/current.ts';
import { schemaProblems } from './schema-problems.ts';
import { parseWithoutBadKeys, withoutEchoes } from './schema-recovery.ts';
import { mergeSecure } from './secure-merge.ts';
import { semanticProblems } from './semantic-checks.ts';

export interface LoadOptions {
  /** Path of the secure file (`-s`). */
  secure?: string;
  /** The environment (for %(NODEPOOL_X)); pass process.env at the edge. */
  env: Env;
  /** Base for a relative config path; defaults to process.cwd() at the edge. */
  cwd?: string;
  /** How file checks see the disk (private keys, ready-scripts); defaults to the real disk. */
  files?: FileProbe;
  /** Files missing on this host (private keys, ready-scripts, elements-dir) are errors, not warnings. */
  strict?: boolean;
}

export interface ValidationResult {
  /** The frozen model, or null when there is any error. */
  config: NodepoolConfig | null;
  errors: ConfigProblem[];
  warnings: ConfigProblem[];
}

export interface TextInput {
  /** Absolute path the text came from (used for positions and scriptsDir). */
  file: string;
  text: string;
  secure?: { file: string; text: string };
  env: Env;
  files?: FileProbe;
  /** Where a relative elements-dir is looked for; defaults to the config's directory. */
  cwd?: string;
  strict?: boolean;
}

/** Validates config text already in memory (what the file loaders and the benchmark use). */
export function validateConfigText(input: TextInput): ValidationResult {
  const problems = collect(input);
  // In file order, as an operator fixes them.
  const ordered = [...problems.problems].sort((a, b) =>
    a.file === b.file ? a.line - b.line || a.col - b.col : a.file < b.file ? -1 : 1);
  const errors = ordered.filter((p) => p.severity === 'error');
  const warnings = ordered.filter((p) => p.severity === 'warning');
  const config = errors.length === 0 && problems.config ? deepFreeze(problems.config) : null;
  return { config, errors, warnings };
}

function collect(input: TextInput): { config: NodepoolConfig | null; problems: ConfigProblem[] } {
  const { source, consumed, problems } = readYaml(input.file, input.text, input.env);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) return { config: null, problems: [...problems, ...syntax] };

  const { value: parsed } = source.toJS();
  const badKeys = nonStringKeyProblems(parsed, source);
  if (badKeys.length > 0) return { config: null, problems: [...problems, ...badKeys] };
  if (!isRecord(parsed)) {
    const got = parsed === null || parsed === undefined ? 'an empty file' : Array.isArray(parsed) ? 'a list' : `a ${typeof parsed}`;
    const pos = source.positionOf([]);
    problems.push({ severity: 'error', file: input.file, line: pos.line, col: pos.col, path: '(top level)', message: `got ${got} (expected a mapping of nodepool settings)` });
    return { config: null, problems };
  }
  const raw = parsed;
  const schemaIssues = (issues: Parameters<typeof schemaProblems>[0]) => schemaProblems(issues, raw, source);

  const format = detectFormat(raw);
  const origins = new Origins();
  const configDir = dirname(input.file);
  const ctx: NormalizeContext = { configFile: input.file, scriptsDir: join(configDir, 'scripts'), source, origins, problems };
  // Schema problems are final; with them, the later checks still run on what remains.
  let schemaFailed = false;
  let dropped: string[] = [];
  const parse = <T>(schema: z.ZodType<T>): T | null => {
    const result = schema.safeParse(raw);
    if (result.success) return result.data;
    schemaFailed = true;
    problems.push(...schemaIssues(result.error.issues));
    const recovered = parseWithoutBadKeys(schema, raw, result.error.issues);
    if (!recovered) return null;
    dropped = recovered.dropped;
    return recovered.data;
  };
  const later: ConfigProblem[] = [];
  const laterCtx = { ...ctx, problems: later };
  let config: NodepoolConfig;
  if (format === 'classic') {
    const data = parse(classicSchema);
    if (!data) return { config: null, problems };
    config = normalizeClassic(data, raw, laterCtx);
  } else {
    const data = parse(currentSchema);
    if (!data) return { config: null, problems };
    config = normalizeCurrent(data, laterCtx);
  }
  origins.set(config, source, []);
  config.secureFile = null;
  config.consumedEnvVars = consumed;
  if (input.secure) mergeSecure(config, input.secure.file, input.secure.text, input.env, later);
  later.push(...semanticProblems(config, origins));
  later.push(...fileProblems(config, origins, {
    probe: input.files ?? diskProbe, configDir, cwd: input.cwd ?? configDir, strict: input.strict ?? false,
  }));
  problems.push(...withoutEchoes(later, dropped));
  return { config: schemaFailed ? null : config, problems };
}

/** Reads and validates a config file (and the secure file); never throws for a bad file. */
export async function validateConfig(path: string, opts: LoadOptions): Promise<ValidationResult> {
  const file = resolve(opts.cwd ?? process.cwd(), path);
  const secureFile = opts.secure === undefined ? undefined : resolve(opts.cwd ?? process.cwd(), opts.secure);
  const unreadable: ConfigProblem[] = [];
  const text = await readText(file, unreadable);
  const secureText = secureFile === undefined ? undefined : await readText(secureFile, unreadable);
  if (text === null || secureText === null) return { config: null, errors: unreadable, warnings: [] };
  return validateConfigText({
    file,
    text,
    secure: secureFile !== undefined && secureText !== undefined ? { file: secureFile, text: secureText } : undefined,
    env: opts.env,
    files: opts.files,
    cwd: opts.cwd ?? process.cwd(),
    strict: opts.strict,
  });
}

/** Loads a config file into the frozen model; throws ConfigError carrying every problem. */
export async function loadConfig(
  path: string,
  opts: LoadOptions,
): Promise<{ config: NodepoolConfig; warnings: ConfigProblem[] }> {
  const result = await validateConfig(path, opts);
  if (!result.config || hasErrors(result.errors)) throw new ConfigError([...result.errors, ...result.warnings]);
  return { config: result.config, warnings: result.warnings };
}

async function readText(file: string, problems: ConfigProblem[]): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    problems.push({ severity: 'error', file, line: 0, col: 0, path: '(file)', message: `cannot read the file: ${code} (expected a readable YAML file)` });
    return null;
  }
}
