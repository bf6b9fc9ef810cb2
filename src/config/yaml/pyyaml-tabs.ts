// PyYAML's scanner skips only spaces between tokens: a tab anywhere but inside a quoted
// scalar, a block scalar's text or a comment is an error there ("found character '\t' that
// cannot start any token"), even where the YAML spec and the `yaml` package allow one (after
// `key:`, between flow items, inside a plain value). Upstream refuses such a file, so we do too.
import { isScalar, Scalar, visit, type Document } from 'yaml';

/** Offset of the first tab PyYAML would refuse, or undefined. */
export function firstRefusedTab(text: string, doc: Document.Parsed): number | undefined {
  let tab = text.indexOf('\t');
  if (tab < 0) return undefined;
  const where = textChecker(text, doc);
  for (; tab >= 0; tab = text.indexOf('\t', tab + 1)) {
    if (!where.inScalar(tab) && !where.inComment(tab)) return tab;
  }
  return undefined;
}

/** Whether an offset is inside a quoted or block scalar, or inside a comment. */
export function textChecker(text: string, doc: Document.Parsed): { inScalar(o: number): boolean; inComment(o: number): boolean } {
  const ranges: [number, number][] = [];
  visit(doc, {
    Scalar: (_key, node) => {
      if (!isScalar(node) || !node.range || node.type === Scalar.PLAIN) return;
      ranges.push([node.range[0], node.range[1]]);
    },
  });
  const inScalar = (offset: number) => ranges.some(([s, e]) => s <= offset && offset < e);
  return { inScalar, inComment: (offset) => !inScalar(offset) && inComment(text, offset, inScalar) };
}

/** Whether `offset` is after a `#` that starts a comment on its line. */
function inComment(text: string, offset: number, inScalar: (o: number) => boolean): boolean {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  for (let i = lineStart; i < offset; i++) {
    if (text[i] !== '#' || inScalar(i)) continue;
    if (i === lineStart || text[i - 1] === ' ' || text[i - 1] === '\t') return true;
  }
  return false;
}
