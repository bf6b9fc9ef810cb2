// Reads the part of a Python logging config file (`-l`, as upstream's daemons take it) that maps
// onto our JSON logs: which handlers nodepool's records reach, each handler's level, and its file
// (or stdout/stderr). Upstream loads a `.yaml`/`.yml` file with logging.config.dictConfig and any
// other file with logging.config.fileConfig (INI); both shapes are read here. Formatters, filters
// and handler classes we cannot reproduce are reported as warnings; records stay JSON.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export type LogTarget = { kind: 'stdout' } | { kind: 'stderr' } | { kind: 'file'; path: string };

export interface LogStreamPlan {
  /** pino level name: trace, debug, info, warn, error, fatal. */
  level: string;
  target: LogTarget;
  /** The handler's name in the config file, for messages. */
  handler: string;
}

export interface LogPlan {
  streams: LogStreamPlan[];
  warnings: string[];
}

const PY_LEVELS: Record<string, number> = { NOTSET: 0, DEBUG: 10, INFO: 20, WARN: 30, WARNING: 30, ERROR: 40, CRITICAL: 50, FATAL: 50 };

/** Python level number to the pino level with the same meaning. */
export function pinoLevel(py: number): string {
  if (py <= 0) return 'trace';
  if (py <= 10) return 'debug';
  if (py <= 20) return 'info';
  if (py <= 30) return 'warn';
  if (py <= 40) return 'error';
  return 'fatal';
}

interface HandlerSpec { name: string; cls: string; level: number; filename: string | null; stream: 'stdout' | 'stderr' | null }
interface LoggerSpec { level: number; handlers: string[]; propagate: boolean }
interface Parsed { handlers: Map<string, HandlerSpec>; root: LoggerSpec | null; nodepool: LoggerSpec | null }

function levelOf(value: unknown, where: string, warnings: string[]): number {
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value === 'number') return value;
  const name = String(value).trim().toUpperCase();
  if (name in PY_LEVELS) return PY_LEVELS[name];
  if (/^\d+$/.test(name)) return Number(name);
  warnings.push(`${where}: unknown level "${String(value)}", treated as NOTSET`);
  return 0;
}

const FILE_HANDLERS = /(^|\.)(FileHandler|WatchedFileHandler|RotatingFileHandler|TimedRotatingFileHandler)$/;
const STREAM_HANDLER = /(^|\.)StreamHandler$/;
const NULL_HANDLER = /(^|\.)NullHandler$/;

function streamName(value: string): 'stdout' | 'stderr' | null {
  if (/sys\.stdout/.test(value)) return 'stdout';
  if (/sys\.stderr/.test(value)) return 'stderr';
  return null;
}

/** First element of a fileConfig `args=` tuple: a quoted string or sys.stdout/sys.stderr. */
function firstArg(args: string): string | null {
  const m = /^\s*\(\s*(?:'([^']*)'|"([^"]*)"|(sys\.std(?:out|err)))/.exec(args);
  if (!m) return null;
  return m[1] ?? m[2] ?? m[3] ?? null;
}

function iniSections(text: string, file: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  let lastKey: string | null = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (/^\s*[#;]/.test(raw) || raw.trim() === '') return;
    const section = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (section) {
      current = new Map();
      sections.set(section[1].trim(), current);
      lastKey = null;
      return;
    }
    if (/^\s/.test(raw) && current && lastKey) {
      // configparser continuation line
      current.set(lastKey, `${current.get(lastKey)} ${raw.trim()}`);
      return;
    }
    const kv = /^([^=:]+)[=:](.*)$/.exec(raw);
    if (!kv || !current) throw new Error(`${file}:${i + 1}: not an INI line: ${raw.trim()}`);
    lastKey = kv[1].trim().toLowerCase();
    (current as Map<string, string>).set(lastKey, kv[2].trim());
  });
  return sections;
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function parseIni(text: string, file: string, warnings: string[]): Parsed {
  const s = iniSections(text, file);
  const handlers = new Map<string, HandlerSpec>();
  for (const name of list(s.get('handlers')?.get('keys'))) {
    const sec = s.get(`handler_${name}`);
    if (!sec) { warnings.push(`${file}: handler "${name}" has no [handler_${name}] section`); continue; }
    const cls = sec.get('class') ?? '';
    const args = sec.get('args') ?? '()';
    const kwargs = sec.get('kwargs') ?? '';
    const first = firstArg(args);
    const kwFile = /['"]filename['"]\s*:\s*['"]([^'"]*)['"]/.exec(kwargs)?.[1] ?? null;
    handlers.set(name, {
      name, cls, level: levelOf(sec.get('level'), `${file} [handler_${name}]`, warnings),
      filename: FILE_HANDLERS.test(cls) ? (first && !streamName(first) ? first : kwFile) : null,
      stream: STREAM_HANDLER.test(cls) ? (first ? streamName(first) : 'stderr') : null,
    });
  }
  const logger = (section: string): LoggerSpec | null => {
    const sec = s.get(section);
    if (!sec) return null;
    return { level: levelOf(sec.get('level'), `${file} [${section}]`, warnings), handlers: list(sec.get('handlers')), propagate: sec.get('propagate') !== '0' };
  };
  let nodepool: LoggerSpec | null = null;
  for (const key of list(s.get('loggers')?.get('keys'))) {
    if (key === 'root') continue;
    if (s.get(`logger_${key}`)?.get('qualname') === 'nodepool') nodepool = logger(`logger_${key}`);
  }
  return { handlers, root: logger('logger_root'), nodepool };
}

function parseDict(text: string, file: string, warnings: string[]): Parsed {
  const doc = parseYaml(text) as Record<string, unknown> | null;
  if (!doc || typeof doc !== 'object') throw new Error(`${file}: expected a logging dictConfig mapping`);
  const handlers = new Map<string, HandlerSpec>();
  for (const [name, raw] of Object.entries((doc.handlers ?? {}) as Record<string, Record<string, unknown>>)) {
    const h = raw ?? {};
    const cls = String(h.class ?? '');
    const stream = typeof h.stream === 'string' ? streamName(h.stream) : null;
    handlers.set(name, {
      name, cls, level: levelOf(h.level, `${file} handlers.${name}`, warnings),
      filename: FILE_HANDLERS.test(cls) && typeof h.filename === 'string' ? h.filename : null,
      stream: STREAM_HANDLER.test(cls) ? (stream ?? 'stderr') : null,
    });
  }
  const logger = (raw: unknown, where: string): LoggerSpec | null => {
    if (!raw || typeof raw !== 'object') return null;
    const l = raw as Record<string, unknown>;
    const hs = Array.isArray(l.handlers) ? l.handlers.map(String) : [];
    return { level: levelOf(l.level, where, warnings), handlers: hs, propagate: l.propagate === undefined ? true : Boolean(l.propagate) };
  };
  const loggers = (doc.loggers ?? {}) as Record<string, unknown>;
  return { handlers, root: logger(doc.root, `${file} root`), nodepool: logger(loggers.nodepool, `${file} loggers.nodepool`) };
}

/**
 * Nodepool's records go through the `nodepool` logger (when configured) and, if it propagates,
 * the root logger's handlers, each handler passing what reaches it at or above its own level.
 */
export function planFromParsed(p: Parsed, file: string, warnings: string[]): LogPlan {
  const root = p.root ?? { level: 30, handlers: [], propagate: true };
  const effective = p.nodepool && p.nodepool.level > 0 ? p.nodepool.level : root.level;
  const names = [...(p.nodepool?.handlers ?? []), ...(!p.nodepool || p.nodepool.propagate ? root.handlers : [])];
  const streams: LogStreamPlan[] = [];
  for (const name of [...new Set(names)]) {
    const h = p.handlers.get(name);
    if (!h) { warnings.push(`${file}: handler "${name}" is not defined`); continue; }
    if (NULL_HANDLER.test(h.cls)) continue;
    const level = pinoLevel(Math.max(effective, h.level));
    if (h.filename) streams.push({ level, target: { kind: 'file', path: h.filename }, handler: name });
    else if (h.stream) streams.push({ level, target: { kind: h.stream }, handler: name });
    else warnings.push(`${file}: handler "${name}" (${h.cls || 'no class'}) is not a stream or file handler we can reproduce; ignored`);
  }
  if (streams.length === 0) {
    warnings.push(`${file}: no usable handler for nodepool's records; logging JSON to stdout`);
    streams.push({ level: pinoLevel(effective), target: { kind: 'stdout' }, handler: '(default)' });
  }
  return { streams, warnings };
}

/** Reads `-l FILE`. A file that cannot be read or parsed at all throws (the daemon exits with it). */
export function readLogConfig(file: string): LogPlan {
  const text = readFileSync(file, 'utf8');
  const warnings: string[] = [];
  const parsed = /\.ya?ml$/i.test(file) ? parseDict(text, file, warnings) : parseIni(text, file, warnings);
  return planFromParsed(parsed, file, warnings);
}
