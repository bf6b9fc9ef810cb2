// Reads a YAML file the way PyYAML does (YAML 1.1) and keeps the node positions so every
// later problem (schema or semantic) can point at its line and column.
import {
  LineCounter,
  parseDocument,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  visit,
  type Document,
  type Node,
} from 'yaml';
import { formatPath, type ConfigPath, type ConfigProblem } from './errors.ts';
import { fastParseYaml } from './fast-yaml.ts';

export interface Position { line: number; col: number }

export class YamlSource {
  readonly file: string;
  private readonly text: string;
  /** The plain-subset reader's result; undefined when the file needs the full parser. */
  private readonly fast: unknown;
  private fastHandedOut = false;
  private parsed: { doc: Document.Parsed; lineCounter: LineCounter } | null = null;

  constructor(file: string, text: string) {
    this.file = file;
    this.text = text;
    this.fast = fastParseYaml(text);
  }

  /** The full document with positions, parsed on first use (problems need it, valid files not). */
  get doc(): Document.Parsed {
    return this.full().doc;
  }

  private get lineCounter(): LineCounter {
    return this.full().lineCounter;
  }

  private full(): { doc: Document.Parsed; lineCounter: LineCounter } {
    if (!this.parsed) {
      const lineCounter = new LineCounter();
      const doc = parseDocument(this.text, {
        version: '1.1',
        lineCounter,
        uniqueKeys: true,
        prettyErrors: true,
        merge: true,
      });
      this.parsed = { doc, lineCounter };
    }
    return this.parsed;
  }

  /** YAML syntax errors and duplicate keys, each at its own line. */
  syntaxProblems(): ConfigProblem[] {
    // The subset reader accepts only well-formed plain YAML (it gives up on anything doubtful).
    if (this.fast !== undefined) return [];
    const out: ConfigProblem[] = [];
    const seen = new Set<string>();
    const multiline = new Set(this.doc.errors.filter((e) => e.code === 'MULTILINE_IMPLICIT_KEY').map((e) => e.pos[0]));
    for (const err of this.doc.errors) {
      // The same mis-indented key yields both errors; the multi-line one knows the right line.
      if (err.code === 'BLOCK_AS_IMPLICIT_KEY' && multiline.has(err.pos[0])) continue;
      let offset = err.pos[0];
      let pos = err.linePos?.[0] ?? this.lineCounter.linePos(offset);
      let message = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      if (err.code === 'MULTILINE_IMPLICIT_KEY') {
        // As PyYAML does, blame the line where the unexpected `key:` is.
        const line = this.lineCounter.linePos(err.pos[1]).line;
        const start = this.lineCounter.lineStarts[line - 1];
        offset = start + (/^\s*/.exec(this.text.slice(start))?.[0].length ?? 0);
        pos = this.lineCounter.linePos(offset);
        message = 'a key where a value continues (check the indentation of this line; expected it aligned with its sibling keys)';
      } else {
        message += err.code === 'DUPLICATE_KEY' ? ' (each key once per mapping)' : ' (valid YAML)';
      }
      // The parser notices an unclosed [ or { only where the next block starts; point at the
      // bracket the operator forgot to close instead.
      const unclosed = /^Flow (sequence|map)/.test(message) ? this.unclosedFlowBefore(offset) : undefined;
      if (unclosed !== undefined) {
        offset = unclosed.offset;
        pos = this.lineCounter.linePos(offset);
        message = `unclosed flow ${unclosed.kind} '${unclosed.kind === 'sequence' ? '[' : '{'}' (expected a closing '${unclosed.kind === 'sequence' ? ']' : '}'}')`;
      }
      // One report per place: a single mistake often yields several parser errors.
      const id = `${pos.line}:${pos.col}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const what = err.code === 'DUPLICATE_KEY' ? 'duplicate key' : 'YAML syntax error';
      out.push({
        severity: 'error',
        file: this.file,
        line: pos.line,
        col: pos.col,
        path: this.pathAt(offset),
        message: `${what}: ${message}`,
      });
    }
    return out;
  }

  /** The innermost flow collection that is still open at `offset`. */
  private unclosedFlowBefore(offset: number): { offset: number; kind: 'sequence' | 'mapping' } | undefined {
    let found: { offset: number; kind: 'sequence' | 'mapping' } | undefined;
    visit(this.doc, {
      Collection: (_key, node) => {
        const range = node.range;
        if (!node.flow || !range || range[0] >= offset || range[1] < offset) return;
        const closer = isSeq(node) ? ']' : '}';
        const text = node.srcToken && 'end' in node.srcToken ? node.srcToken.end : undefined;
        const closed = Array.isArray(text) && text.some((t) => t.source === closer);
        if (!closed) found = { offset: range[0], kind: isSeq(node) ? 'sequence' : 'mapping' };
      },
    });
    return found;
  }

  /**
   * The plain data, as PyYAML's safe_load would give it, or the problem that prevents it (an
   * alias without its anchor, a merge of something that is not a mapping).
   */
  toJS(): { value: unknown; problems: ConfigProblem[] } {
    if (this.fast !== undefined) {
      // Callers may change what they get (env substitution works in place): hand out the first
      // result once, then fresh ones.
      if (!this.fastHandedOut) {
        this.fastHandedOut = true;
        return { value: this.fast, problems: [] };
      }
      return { value: fastParseYaml(this.text), problems: [] };
    }
    try {
      return { value: this.doc.toJS({ maxAliasCount: 1000 }), problems: [] };
    } catch (err) {
      return { value: undefined, problems: [this.valueProblem(err as Error)] };
    }
  }

  private valueProblem(err: Error): ConfigProblem {
    let offset = 0;
    let message = `${err.message} (expected data YAML can build)`;
    visit(this.doc, {
      Alias: (_key, node) => {
        if (node.resolve(this.doc) !== undefined || offset) return;
        offset = node.range?.[0] ?? 0;
        message = `alias *${node.source} has no anchor &${node.source} before it (expected the anchor to be defined earlier)`;
      },
      Pair: (_key, pair) => {
        // With merge keys on, `<<` may be resolved to a symbol; its source text is what counts.
        if (offset || !isScalar(pair.key) || (pair.key.source !== '<<' && String(pair.key.value) !== '<<' && !(typeof pair.key.value === 'symbol'))) return;
        const v = isAlias(pair.value) ? pair.value.resolve(this.doc) : pair.value;
        if (isMap(v) || (isSeq(v) && v.items.every((i) => isMap(isAlias(i) ? i.resolve(this.doc) : i)))) return;
        offset = (pair.value as Node | null)?.range?.[0] ?? (pair.key as Node).range?.[0] ?? 0;
        message = 'merge key << takes something that is not a mapping (expected a mapping or an alias of one)';
      },
    });
    const pos = this.lineCounter.linePos(offset);
    return { severity: 'error', file: this.file, line: pos.line, col: pos.col, path: this.pathAt(offset), message };
  }

  /**
   * Where `path` is in the file. `key: true` points at the key of the last segment (used for
   * unknown keys); otherwise at the value. A path that does not exist (a missing key) points at
   * the deepest node that does.
   */
  positionOf(path: ConfigPath, opts: { key?: boolean } = {}): Position {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) break;
        const last = i === path.length - 1;
        const keyStart = rangeStart(pair.key);
        if (last && opts.key && keyStart !== undefined) return this.linePos(keyStart);
        node = pair.value;
        offset = rangeStart(node) ?? keyStart ?? offset;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        node = node.items[seg];
        offset = rangeStart(node) ?? offset;
      } else {
        break;
      }
    }
    return this.linePos(offset);
  }

  private linePos(offset: number): Position {
    return this.lineCounter.linePos(offset);
  }

  private singleLine(node: unknown): boolean {
    const range = (node as Node | null | undefined)?.range;
    return !!range && this.lineCounter.linePos(range[0]).line === this.lineCounter.linePos(range[1]).line;
  }

  /** The key path of the innermost node containing `offset` (for syntax errors). */
  private pathAt(offset: number): string {
    const path: (string | number)[] = [];
    let node: unknown = this.doc.contents;
    for (;;) {
      if (isMap(node)) {
        const pair = node.items.find((p) => contains(p.key, offset) || contains(p.value, offset));
        if (!pair) break;
        if (contains(pair.key, offset)) {
          // A key spanning lines is a broken one: the enclosing mapping is the useful path.
          if (this.singleLine(pair.key)) path.push(keyText(pair.key));
          break;
        }
        path.push(keyText(pair.key));
        node = pair.value;
      } else if (isSeq(node)) {
        const idx = node.items.findIndex((item) => contains(item, offset));
        if (idx < 0) break;
        path.push(idx);
        node = node.items[idx];
      } else break;
    }
    return formatPath(path);
  }
}

function keyText(key: unknown): string {
  if (isScalar(key)) return typeof key.value === 'symbol' ? (key.value.description ?? '') : String(key.value);
  return String(key);
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function contains(node: unknown, offset: number): boolean {
  const range = (node as Node | null | undefined)?.range;
  return !!range && range[0] <= offset && offset < range[2];
}
