// Builds the data of a parsed `yaml` document the way PyYAML's SafeConstructor builds it from
// the same nodes: PyYAML's implicit resolution (pyyaml-scalars.ts), its standard tags, merge
// keys flattened as flatten_mapping does, aliases shared. Differences kept on purpose (each is
// reported as a problem at the node, never silently changed):
// - a duplicate key is an error (PyYAML keeps the last value silently);
// - an alias inside its own anchor (a recursive structure) is an error;
// - aliases that would expand to more than MAX_EXPANDED values are an error (billion laughs).
import { isAlias, isMap, isPair, isScalar, isSeq, Scalar, visit, type Document, type Node } from 'yaml';
import {
  constructScalar,
  PyTimestamp,
  resolvePlain,
  type ImplicitTag,
} from './pyyaml-scalars.ts';

export interface ConstructProblem { offset: number; message: string }

/** How a float is handed out: a test of the resolver can mark floats apart from ints. */
export type FloatWrapper = (value: number) => unknown;

const MAX_EXPANDED = 1_000_000;
const STD = 'tag:yaml.org,2002:';

class ConstructError extends Error {
  readonly offset: number;
  constructor(offset: number, message: string) {
    super(message);
    this.offset = offset;
  }
}

type Tag = ImplicitTag | 'map' | 'seq' | 'set' | 'omap' | 'pairs' | 'binary' | { unknown: string };

export function constructDocument(
  doc: Document.Parsed,
  opts: { float?: FloatWrapper } = {},
): { value: unknown; problems: ConstructProblem[] } {
  const problems: ConstructProblem[] = [];
  try {
    const targets = aliasTargets(doc);
    checkExpansion(doc.contents, targets);
    const builder = new Builder(targets, opts.float ?? ((x) => x), problems);
    return { value: builder.build(doc.contents), problems };
  } catch (err) {
    if (!(err instanceof ConstructError)) throw err;
    problems.push({ offset: err.offset, message: err.message });
    return { value: undefined, problems };
  }
}

/** The value PyYAML gives a scalar node on its own (for finding a key by its value). */
export function scalarValue(node: Node): unknown {
  if (!isScalar(node)) return undefined;
  try {
    return new Builder(new Map(), (x) => x, []).build(node);
  } catch {
    return undefined;
  }
}

/** Each alias's node, as PyYAML's composer finds it: the last anchor of that name before it. */
function aliasTargets(doc: Document.Parsed): Map<Node, Node> {
  const anchors = new Map<string, Node>();
  const out = new Map<Node, Node>();
  const missing: Node[] = [];
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) out.set(node, target);
        else missing.push(node);
      } else if (node.anchor) {
        if (anchors.has(node.anchor)) {
          throw new ConstructError(start(node), `anchor &${node.anchor} is defined twice (expected each anchor name once per document)`);
        }
        anchors.set(node.anchor, node);
      }
    },
  });
  const first = missing[0];
  if (first && isAlias(first)) {
    throw new ConstructError(start(first), `alias *${first.source} has no anchor &${first.source} before it (expected the anchor to be defined earlier)`);
  }
  return out;
}

/** Refuses structures whose aliases would make later walks over the data explode or loop. */
function checkExpansion(root: unknown, targets: Map<Node, Node>): void {
  const size = new Map<unknown, number>();
  const inProgress = new Set<unknown>();
  const measure = (node: unknown): number => {
    if (isAlias(node)) node = targets.get(node);
    if (!node || isScalar(node)) return 1;
    const known = size.get(node);
    if (known !== undefined) return known;
    if (inProgress.has(node)) {
      throw new ConstructError(start(node), 'an alias refers to the collection it is in (expected no recursive structures)');
    }
    inProgress.add(node);
    let total = 1;
    if (isMap(node)) for (const p of node.items) total += measure(p.key) + measure(p.value);
    else if (isSeq(node)) for (const i of node.items) total += measure(i);
    inProgress.delete(node);
    if (total > MAX_EXPANDED) {
      throw new ConstructError(start(node), `aliases expand to more than ${MAX_EXPANDED} values (expected a config of sensible size)`);
    }
    size.set(node, total);
    return total;
  };
  measure(root);
}

class Builder {
  private readonly built = new Map<Node, unknown>();
  private readonly flattened = new Map<Node, [unknown, unknown][]>();

  private readonly targets: Map<Node, Node>;
  private readonly float: FloatWrapper;
  private readonly problems: ConstructProblem[];

  constructor(targets: Map<Node, Node>, float: FloatWrapper, problems: ConstructProblem[]) {
    this.targets = targets;
    this.float = float;
    this.problems = problems;
  }

  build(input: unknown): unknown {
    const node = this.deref(input);
    if (node === null) return null;
    if (this.built.has(node)) return this.built.get(node);
    const tag = tagOf(node);
    if (typeof tag === 'object') {
      throw new ConstructError(start(node), `tag ${tag.unknown} is not one PyYAML's safe_load reads (expected a standard YAML tag or none)`);
    }
    if (isScalar(node)) {
      const value = this.scalar(node, tag);
      this.built.set(node, value);
      return value;
    }
    if (isSeq(node)) return this.sequence(node, tag);
    if (isMap(node)) return this.mapping(node, tag);
    throw new ConstructError(start(node), 'a node YAML cannot build');
  }

  /** flatten_mapping turns a plain `=` key (tag:yaml.org,2002:value) into the string '='. */
  private buildKey(input: unknown): unknown {
    const node = this.deref(input);
    if (node && isScalar(node) && tagOf(node) === 'value') return '=';
    return this.build(node);
  }

  private deref(input: unknown): Node | null {
    if (input === null || input === undefined) return null;
    if (isAlias(input)) return this.targets.get(input) ?? null;
    return input as Node;
  }

  private scalar(node: Scalar, tag: Tag): unknown {
    const text = typeof node.source === 'string' ? node.source : String(node.value ?? '');
    if (tag === 'merge' || tag === 'value') {
      throw new ConstructError(start(node), `plain '${text}' is not a value PyYAML can read here (expected it quoted: '${text}')`);
    }
    if (tag === 'binary') return Buffer.from(text.replace(/\s+/g, ''), 'base64');
    if (tag === 'map' || tag === 'seq' || tag === 'set' || tag === 'omap' || tag === 'pairs') {
      throw new ConstructError(start(node), `a scalar tagged !!${tag} (expected a ${tag === 'seq' || tag === 'omap' || tag === 'pairs' ? 'sequence' : 'mapping'})`);
    }
    try {
      const value = constructScalar(tag as Exclude<ImplicitTag, 'merge' | 'value'>, text);
      return tag === 'float' ? this.float(value as number) : value;
    } catch (err) {
      throw new ConstructError(start(node), `${(err as Error).message} (expected a valid ${tag})`);
    }
  }

  private sequence(node: Node & { items: unknown[] }, tag: Tag): unknown {
    if (tag === 'omap' || tag === 'pairs') {
      const out: unknown[] = [];
      this.built.set(node, out);
      for (const item of node.items) {
        const entry = this.deref(item);
        if (!isMap(entry) || entry.items.length !== 1) {
          throw new ConstructError(start(entry, node), `!!${tag} takes one-key mappings (expected - key: value)`);
        }
        out.push([this.build(entry.items[0].key), this.build(entry.items[0].value)]);
      }
      return out;
    }
    if (tag !== 'seq') throw new ConstructError(start(node), `a sequence tagged !!${String(tag)} (expected a ${String(tag)})`);
    const out: unknown[] = [];
    this.built.set(node, out);
    for (const item of node.items) out.push(this.build(item));
    return out;
  }

  private mapping(node: Node & { items: unknown[] }, tag: Tag): unknown {
    if (tag !== 'map' && tag !== 'set') throw new ConstructError(start(node), `a mapping tagged !!${String(tag)} (expected a ${String(tag)})`);
    const pairs = this.flatten(node);
    const keys = pairs.map(([k]) => this.buildKey(k));
    if (tag === 'set') {
      const set = new Set(keys);
      this.built.set(node, set);
      return set;
    }
    pairs.forEach(([keyNode]) => {
      // Python cannot hash a list, dict or set.
      const k = this.deref(keyNode);
      if (isMap(k) || isSeq(k)) throw new ConstructError(start(k, node), 'a key that is a list or mapping (expected a scalar key)');
    });
    const asMap = keys.some((k) => typeof k !== 'string');
    const out: Record<string, unknown> | Map<unknown, unknown> = asMap ? new Map() : {};
    this.built.set(node, out);
    pairs.forEach(([, valueNode], i) => {
      const value = this.build(valueNode);
      const key = keys[i];
      if (out instanceof Map) out.set(key, value);
      else if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key as string] = value;
    });
    return out;
  }

  /**
   * SafeConstructor.flatten_mapping: the (key, value) node pairs of a mapping with its `<<`
   * merges first (a list of them: the first wins), then its own keys, which win over merged
   * ones. A key given twice among the mapping's own keys is reported.
   */
  private flatten(node: Node & { items: unknown[] }): [unknown, unknown][] {
    const known = this.flattened.get(node);
    if (known) return known;
    const merged: [unknown, unknown][] = [];
    const own: [unknown, unknown][] = [];
    const seen = new Map<string, true>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = this.deref(pair.key);
      if (keyNode && tagOf(keyNode) === 'merge') {
        const value = this.deref(pair.value);
        if (isMap(value)) merged.push(...this.flatten(value));
        else if (isSeq(value)) {
          const subs = value.items.map((item) => {
            const sub = this.deref(item);
            if (!isMap(sub)) throw new ConstructError(start(sub, value), 'merge key << takes a list with something that is not a mapping (expected a list of mappings)');
            return this.flatten(sub);
          });
          for (const sub of subs.reverse()) merged.push(...sub);
        } else {
          throw new ConstructError(start(value, keyNode), 'merge key << takes something that is not a mapping (expected a mapping or an alias of one)');
        }
        continue;
      }
      const id = keyIdentity(this.buildKey(pair.key));
      if (id !== undefined && seen.has(id)) {
        this.problems.push({ offset: start(keyNode, node), message: 'duplicate key: Map keys must be unique (each key once per mapping)' });
      }
      if (id !== undefined) seen.set(id, true);
      own.push([pair.key, pair.value]);
    }
    const out = [...merged, ...own];
    this.flattened.set(node, out);
    return out;
  }
}

/** The tag PyYAML's composer gives a node: explicit, else resolved (plain scalars only). */
function tagOf(node: Node): Tag {
  const explicit = node.tag;
  if (explicit && explicit !== '!') {
    if (!explicit.startsWith(STD)) return { unknown: explicit };
    const name = explicit.slice(STD.length);
    const known = ['str', 'bool', 'null', 'int', 'float', 'timestamp', 'merge', 'value', 'map', 'seq', 'set', 'omap', 'pairs', 'binary'];
    return known.includes(name) ? (name as Tag) : { unknown: `!!${name}` };
  }
  if (isMap(node)) return 'map';
  if (isSeq(node)) return 'seq';
  const scalar = node as Scalar;
  // PyYAML resolves a scalar with the non-specific tag `!` as if it were plain, quoted or not.
  if (scalar.type !== Scalar.PLAIN && explicit !== '!') return 'str';
  return resolvePlain(typeof scalar.source === 'string' ? scalar.source : String(scalar.value ?? ''));
}

/** When two keys are the same key to Python (1, 1.0 and true are; '1' is not). */
function keyIdentity(key: unknown): string | undefined {
  if (typeof key === 'string') return `s${key}`;
  if (typeof key === 'boolean') return `n${Number(key)}`;
  if (typeof key === 'number' || typeof key === 'bigint') return `n${String(key)}`;
  if (key === null) return 'z';
  if (key instanceof PyTimestamp) return `t${key.isoformat()}`;
  return undefined;
}

function start(node: unknown, fallback?: unknown): number {
  const range = (node as Node | null | undefined)?.range ?? (fallback as Node | null | undefined)?.range;
  return range ? range[0] : 0;
}
