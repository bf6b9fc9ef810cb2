// Checks that look at the disk of this host: ready-scripts beside the config, classic private
// keys, the elements directory. A config repository's CI has none of these, so a missing file
// is a warning unless `strict` (config-validate --strict); the daemons refuse a missing key
// when they come to use it. File-system access is injected (FileProbe) so tests and
// `config-validate` on another machine can decide what "exists" means.
import { statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { ConfigProblem } from './errors.ts';
import type { NodepoolConfig } from './model.ts';
import type { Origins } from './origins.ts';
import { problemAt } from './schema-problems.ts';

export interface FileInfo { isFile: boolean; mode: number; isDirectory?: boolean }
/** Returns null when nothing is at `path`. */
export type FileProbe = (path: string) => FileInfo | null;

export const diskProbe: FileProbe = (path) => {
  try {
    const st = statSync(path);
    return { isFile: st.isFile(), isDirectory: st.isDirectory(), mode: st.mode & 0o7777 };
  } catch {
    return null;
  }
};

export interface FileCheckOptions {
  probe: FileProbe;
  configDir: string;
  /** Where a relative elements-dir is looked for (the daemon's working directory). */
  cwd: string;
  /** Missing files are errors rather than warnings. */
  strict: boolean;
}

export function fileProblems(config: NodepoolConfig, origins: Origins, opts: FileCheckOptions): ConfigProblem[] {
  const { probe, configDir } = opts;
  const missing = opts.strict ? 'error' : 'warning';
  const out: ConfigProblem[] = [];
  const reported = new Set<string>();
  const report = (obj: object, key: string, message: string, severity: 'error' | 'warning') => {
    const where = origins.of(obj, key);
    if (!where) return;
    const problem = problemAt(where.source, where.path, false, message, severity);
    // The same image field reaches several pool labels; say it once per place in the file.
    const id = `${problem.file}:${problem.line}:${problem.col}:${message}`;
    if (!reported.has(id)) { reported.add(id); out.push(problem); }
  };

  const checkScript = (obj: object, script: string | null) => {
    if (script === null) return;
    const path = join(config.scriptsDir, script);
    if (probe(path)?.isFile) return;
    // 0.4 could also run scripts from /opt/nodepool-scripts baked into the image.
    report(obj, 'ready-script', `ready-script '${script}' is not in ${config.scriptsDir} (expected ${path}, or the script baked into the image at /opt/nodepool-scripts)`, missing);
  };
  for (const label of config.labels) checkScript(label, label.readyScript);

  for (const provider of config.providers) for (const pool of provider.pools) for (const label of pool.labels) {
    checkScript(label, label.readyScript);
    if (label.privateKey === null) continue;
    const keyPath = isAbsolute(label.privateKey) ? label.privateKey : resolve(configDir, label.privateKey);
    const info = probe(keyPath);
    if (!info || !info.isFile) {
      report(label, 'private-key', `private key ${keyPath} does not exist on this host (expected a readable key file for SSH to ${label.name} nodes)`, missing);
    } else if ((info.mode & 0o077) !== 0) {
      report(label, 'private-key', `private key ${keyPath} has mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}, open to group/others (expected 0600 or 0400)`, 'warning');
    }
  }
  if (config.elementsDir !== null) {
    const dir = resolve(opts.cwd, config.elementsDir);
    if (!probe(dir)?.isDirectory) {
      report(config, 'elements-dir', `elements-dir ${dir} is not a directory on this host (expected the diskimage-builder elements the builder uses)`, missing);
    }
  }
  return out;
}
