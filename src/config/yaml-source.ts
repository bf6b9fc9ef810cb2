// Reads a YAML file as PyYAML's safe_load does (yaml/pyyaml-construct.ts builds the values on
// the `yaml` package's document) and keeps the node positions so every later problem (schema or
// semantic) can point at its line and column in the file as written.
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
import { constructDocument, scalarValue, type FloatWrapper } from './yaml/pyyaml-construct.ts';
import { firstRefusedTab, textChecker } from './yaml/pyyaml-tabs.ts';

export interface Position { line: number; col: number }

/** The file as written when the parsed text is not it (after %(NODEPOOL_X) substitution). */
export interface OriginalText {
  text: string;
  /** The offset in `text` that an offset of the parsed text came from. */
  toOriginal(offset: number): number;
}

export class YamlSource {
  readonly file: string;
  private readonly text: string;
  private readonly doc: Document.Parsed;
  private readonly lineCounter: LineCounter;
  /** Line starts of the file as written, for positions in problems. */
  private readonly reportLines: LineCounter;
  private readonly toOriginal: (offset: number) => number;
  private readonly float: FloatWrapper | undefined;
  private built: { value: unknown; problems: ConfigProblem[] } | null = null;

  /** `float` marks floats apart from ints (the PyYAML differential test uses it). */
  constructor(file: string, text: string, opts: { original?: OriginalText; float?: FloatWrapper } = {}) {
    const { original } = opts;
    this.float = opts.float;
    this.file = file;
    this.text = text;
    this.lineCounter = new LineCounter();
    // PyYAML's resolution is ours (pyyaml-construct.ts): the failsafe schema keeps every scalar's
    // text and tag; duplicate and merge keys are handled there too.
    this.doc = parseDocument(text, {
      version: '1.1',
      schema: 'failsafe',
      lineCounter: this.lineCounter,
      uniqueKeys: false,
      prettyErrors: false,
    });
    this.toOriginal = original ? original.toOriginal : (o) => o;
    if (original) {
      this.reportLines = new LineCounter();
      this.reportLines.addNewLine(0);
      for (let i = original.text.indexOf('\n'); i >= 0; i = original.text.indexOf('\n', i + 1)) this.reportLines.addNewLine(i + 1);
    } else {
      this.reportLines = this.lineCounter;
    }
  }

  /** YAML syntax errors, then what stops the values being built (duplicate keys, bad aliases), each at its own line. */
  syntaxProblems(): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    const seen = new Set<string>();
    const multiline = new Set(this.doc.errors.filter((e) => e.code === 'MULTILINE_IMPLICIT_KEY').map((e) => e.pos[0]));
    for (const err of this.doc.errors) {
      // The same mis-indented key yields both errors; the multi-line one knows the right line.
      if (err.code === 'BLOCK_AS_IMPLICIT_KEY' && multiline.has(err.pos[0])) continue;
      let offset = err.pos[0];
      let message = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      if (err.code === 'MULTILINE_IMPLICIT_KEY') {
        // As PyYAML does, blame the line where the unexpected `key:` is.
        const line = this.lineCounter.linePos(err.pos[1]).line;
        const lineStart = this.lineCounter.lineStarts[line - 1];
        offset = lineStart + (/^\s*/.exec(this.text.slice(lineStart))?.[0].length ?? 0);
        message = 'a key where a value continues (check the indentation of this line; expected it aligned with its sibling keys)';
      } else {
        message += ' (valid YAML)';
      }
      // The parser notices an unclosed [ or { only where the next block starts; point at the
      // bracket the operator forgot to close instead.
      const unclosed = /^Flow (sequence|map)/.test(message) ? this.unclosedFlowBefore(offset) : undefined;
      if (unclosed !== undefined) {
        offset = unclosed.offset;
        message = `unclosed flow ${unclosed.kind} '${unclosed.kind === 'sequence' ? '[' : '{'}' (expected a closing '${unclosed.kind === 'sequence' ? ']' : '}'}')`;
      }
      const pos = this.linePos(offset);
      // One report per place: a single mistake often yields several parser errors.
      const id = `${pos.line}:${pos.col}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ severity: 'error', file: this.file, line: pos.line, col: pos.col, path: this.pathAt(offset), message: `YAML syntax error: ${message}` });
    }
    if (out.length > 0) return out;
    const tab = firstRefusedTab(this.text, this.doc);
    if (tab !== undefined) {
      const pos = this.linePos(tab);
      return [{ severity: 'error', file: this.file, line: pos.line, col: pos.col, path: this.pathAt(tab), message: 'YAML syntax error: a tab character where PyYAML reads none (expected spaces; tabs only inside quotes, block scalars and comments)' }];
    }
    return this.build().problems;
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
   * The plain data, as PyYAML's safe_load would give it, or the problems that prevent it (a
   * duplicate key, an alias without its anchor, a merge of something that is not a mapping).
   * Built once: callers must not change it.
   */
  toJS(): { value: unknown; problems: ConfigProblem[] } {
    return this.build();
  }

  private build(): { value: unknown; problems: ConfigProblem[] } {
    if (!this.built) {
      const { value, problems } = constructDocument(this.doc, { float: this.float });
      this.built = {
        value: problems.length > 0 ? undefined : value,
        problems: problems.map((p) => {
          const pos = this.linePos(p.offset);
          return { severity: 'error' as const, file: this.file, line: pos.line, col: pos.col, path: this.pathAt(p.offset), message: p.message };
        }),
      };
    }
    return this.built;
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
        const pair = this.findPair(node, String(seg));
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

  /** Whether an offset of the parsed text is in a comment. */
  inComment(offset: number): boolean {
    return textChecker(this.text, this.doc).inComment(offset);
  }

  /** Where the key whose PyYAML value is `key` is, in the mapping at `path` (or the mapping). */
  positionOfKeyValue(path: ConfigPath, key: unknown): Position {
    let node: unknown = this.doc.contents;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) node = this.findPair(node, String(seg))?.value;
      else if (isSeq(node) && typeof seg === 'number') node = node.items[seg];
      else return this.positionOf(path);
    }
    if (isAlias(node)) node = node.resolve(this.doc);
    const pair = isMap(node) ? node.items.find((p) => isScalar(p.key) && Object.is(scalarValue(p.key), key)) : undefined;
    const start = rangeStart(pair?.key);
    return start === undefined ? this.positionOf(path) : this.linePos(start);
  }

  /** A problem at an offset of the parsed text (reported where it is in the file as written). */
  problemAtOffset(offset: number, severity: ConfigProblem['severity'], message: string): ConfigProblem {
    const pos = this.linePos(offset);
    return { severity, file: this.file, line: pos.line, col: pos.col, path: this.pathAt(offset), message };
  }

  /** The pair of `key` in a mapping, looking through its `<<` merges as PyYAML does. */
  private findPair(map: Node, key: string, depth = 0): { key: unknown; value: unknown } | undefined {
    if (!isMap(map) || depth > 20) return undefined;
    const own = map.items.find((p) => isPair(p) && keyText(p.key) !== '<<' && keyText(p.key) === key);
    if (own) return own;
    for (const p of map.items) {
      if (keyText(p.key) !== '<<' || !isScalar(p.key) || p.key.type !== 'PLAIN') continue;
      const value = isAlias(p.value) ? p.value.resolve(this.doc) : p.value;
      const sources = isSeq(value) ? value.items.map((i) => (isAlias(i) ? i.resolve(this.doc) : i)) : [value];
      for (const src of sources) {
        const found = this.findPair(src as Node, key, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  }

  /** Line and column in the file as written of an offset in the parsed text. */
  private linePos(offset: number): Position {
    return this.reportLines.linePos(this.toOriginal(offset));
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
