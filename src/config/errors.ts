// Problems found in a configuration file, each pointing at a line and column.

export type ConfigPath = ReadonlyArray<string | number>;

export interface ConfigProblem {
  severity: 'error' | 'warning';
  /** File the problem is in (the config, the secure file or clouds.yaml). */
  file: string;
  /** 1-based; 0 when the problem is about the file as a whole (e.g. unreadable). */
  line: number;
  col: number;
  /** Key path in the file, e.g. `providers[0].pools[0].labels[1].min-ram`. */
  path: string;
  /** What is wrong, then what was expected in parentheses. */
  message: string;
}

/** Thrown by the loaders; carries every problem found in one pass, not just the first. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    super(
      `invalid configuration (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n` +
        errors.map(formatProblem).join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** `providers[0].pools[0].labels[1].min-ram` from `['providers', 0, 'pools', 0, ...]`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out === '' ? '(top level)' : out;
}

/** `FILE:LINE:COL: key.path: what is wrong (what was expected)` (callers add any label). */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file;
  return `${where}: ${p.path}: ${p.message}`;
}

/** The same, with warnings marked: `FILE:LINE:COL: warning: key.path: ...`. */
export function formatProblemWithSeverity(p: ConfigProblem): string {
  if (p.severity !== 'warning') return formatProblem(p);
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file;
  return `${where}: warning: ${p.path}: ${p.message}`;
}

export function hasErrors(problems: readonly ConfigProblem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}
