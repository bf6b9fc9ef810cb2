// `%(NODEPOOL_X)` placeholders in string values, filled from environment variables whose
// names start with NODEPOOL_ (upstream config.substitute_env_vars). The environment is passed
// in; nothing here reads process.env.
import { parse } from 'yaml';
import type { ConfigPath, ConfigProblem } from './errors.ts';
import { problemAt } from './schema-problems.ts';
import type { YamlSource } from './yaml-source.ts';

// Python %-format with a mapping key; the trailing conversion `s` is optional here.
const PLACEHOLDER = /%\((NODEPOOL_[A-Za-z0-9_]*)\)s?/g;
const WHOLE = /^%\((NODEPOOL_[A-Za-z0-9_]*)\)s?$/;

export type Env = Readonly<Record<string, string | undefined>>;

export function substituteEnv(
  value: unknown,
  env: Env,
  source: YamlSource,
): { value: unknown; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  // In place (the value is our own fresh copy from toJS) and with one shared path stack:
  // large files have tens of thousands of scalars and almost none hold a placeholder.
  const path: (string | number)[] = [];
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return v.includes('%(') ? substituteString(v, env, [...path], source, problems) : v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        v[i] = visit(v[i]);
        path.pop();
      }
    } else if (v !== null && typeof v === 'object') {
      const obj = v as Record<string, unknown>;
      for (const k of Object.keys(obj)) {
        path.push(k);
        obj[k] = visit(obj[k]);
        path.pop();
      }
    }
    return v;
  };
  return { value: visit(value), problems };
}

function substituteString(
  text: string,
  env: Env,
  path: ConfigPath,
  source: YamlSource,
  problems: ConfigProblem[],
): unknown {
  const missing: string[] = [];
  const replaced = text.replace(PLACEHOLDER, (_all, name: string) => {
    const found = env[name];
    if (found === undefined) { missing.push(name); return ''; }
    return found;
  });
  if (missing.length > 0) {
    problems.push(problemAt(source, path, false,
      `environment variable ${missing.join(', ')} is not set (expected it in the environment for %(${missing[0]}))`));
    return text;
  }
  // A value that is only a placeholder takes the type the text would have had in the file,
  // so `port: '%(NODEPOOL_PORT)'` with NODEPOOL_PORT=8005 gives the number 8005.
  if (WHOLE.test(text)) {
    try {
      const typed: unknown = parse(replaced, { version: '1.1' });
      if (typed === null || ['number', 'boolean'].includes(typeof typed)) return typed ?? replaced;
    } catch {
      // Not a scalar YAML would read: keep the string.
    }
  }
  return replaced;
}
