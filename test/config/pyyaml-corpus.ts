// The documents the PyYAML differential test reads with both readers: every interesting plain
// scalar in every position (generated), plus hand-written documents for structure (anchors,
// merge keys, multi-line strings, comments, tags, flow and block styles).

/** Plain scalars whose resolution differs between YAML readers, and their neighbours. */
export const SCALARS: string[] = [
  // booleans (PyYAML: yes/no/true/false/on/off in three casings; not y/n, not mixed case)
  'yes', 'Yes', 'YES', 'yEs', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'tRUE', 'false', 'False', 'FALSE',
  'on', 'On', 'ON', 'oN', 'off', 'Off', 'OFF', 'y', 'Y', 'n', 'N', 't', 'f',
  // null
  '~', 'null', 'Null', 'NULL', 'nULL', '~~',
  // ints
  '0', '-0', '+0', '7', '+12', '-12', '007', '0_7', '-0_17', '08', '09', '0o17', '0b101', '-0b1_0', '0b2',
  '0x1F', '0xff_ff', '-0x1a', '0X1F', '0xG', '1_000', '1__0', '_1', '1_', '1:20', '-1:20', '+1:20:30', '0:20',
  '1:60', '1:5', '12:30', '190:20:30', '12345678901234567890', '-9007199254740993', '9007199254740991',
  // floats (PyYAML: a dot needed, exponent sign needed, no sign before a bare leading dot)
  '1.5', '.5', '-.5', '+.5', '1.', '-1.', '1.0e+3', '1.0e3', '1e3', '1E+3', '1.0E-3', '1e+3', '3.e-2', '.5e+1',
  '.inf', '-.inf', '+.inf', '.Inf', '.INF', '.iNf', '.nan', '.NaN', '.NAN', '-.nan', '.', '..', '...x', '1_000.5',
  '1.5_5', '1:20.5', '190:20:30.15', '0.0', '-0.0', '1.0e+400', '0.1', '22.04', '3.14159265358979323846',
  '1.2.3', '0.0.0.0', '127.0.0.1', '6.02e+23',
  // timestamps
  '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '2001-12-15T02:59:43.1Z',
  '2001-12-14 21:59:43', '2001-1-1 1:00:00', '2001-12-14T21:59:43.1234567', '2001-12-14 21:59:43 +01:30',
  '2001-12-14T21:59:43.', '2001-02-30', '2001-13-01', '2000-02-29', '1900-02-29', '2001-12-14T25:00:00',
  '2001-1-14', '20011214',
  // strings that look like something else
  'hello', '--', '-x', 'a b', 'yes please', 'http://127.0.0.1:5000/v3', 'ubuntu-22.04', '*/15 * * * *'.replace(/\*/g, 'x'),
  'key=value', 'a:b', '1:2:3:4:5', 'True False', '%not', 'x%(NODEPOOL_Y)', '0x', 'inf', 'nan', 'NaN', 'Infinity',
  '1 2', '+', '.e+3', '1.e', '1.0e+', 'é', 'ünïcode', '0.', '00', '-.', 'y#x', 'a #b',
  // the two tags PyYAML resolves but cannot build as values
  '<<', '=',
];

/** Places a plain scalar can stand; each makes one document. */
export const POSITIONS: ((s: string) => string)[] = [
  (s) => `k: ${s}\n`,
  (s) => `- ${s}\n`,
  (s) => `[${s}, x]\n`,
  (s) => `{k: ${s}}\n`,
  (s) => `${s}: v\n`,
  (s) => `outer:\n  inner:\n    - a\n    - ${s}  # comment\n`,
  (s) => `${s}\n`,
  (s) => `k: "${s}"\n`,
];

/**
 * `error-here`: PyYAML reads it, we refuse it on purpose. `yaml-refuses`: the `yaml` package's
 * parser refuses what PyYAML reads (a known difference, listed in src/config/README.md).
 */
export interface Doc { name: string; text: string; differs?: 'error-here' | 'yaml-refuses' }

/** Hand-written documents. `differs` marks a difference from PyYAML kept on purpose. */
export const HANDWRITTEN: Doc[] = [
  { name: 'empty document', text: '' },
  { name: 'only a comment', text: '# nothing here\n' },
  { name: 'document markers', text: '---\na: 1\n...\n' },
  { name: 'explicit null document', text: '--- ~\n' },
  { name: 'two documents', text: 'a: 1\n---\nb: 2\n' },
  { name: 'BOM and CRLF', text: '\ufeffa: 1\r\nb: [x, yes]\r\n' },
  { name: 'anchors and aliases', text: 'base: &b {x: 1, y: [1, 2]}\nuse: *b\nlist: [*b, *b]\n' },
  { name: 'scalar anchor', text: 'a: &n 0x10\nb: *n\nc: &s yes\nd: *s\n' },
  { name: 'anchor redefined', text: 'a: &x 1\nb: *x\nc: &x 2\nd: *x\n' },
  { name: 'merge one', text: 'base: &b {x: 1, y: 2}\nchild:\n  <<: *b\n  y: 3\n' },
  { name: 'merge list, first wins', text: 'a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n' },
  { name: 'merge inline mapping', text: 'c:\n  <<: {x: 1, y: 2}\n  x: 0\n' },
  { name: 'merge key after own keys', text: 'b: &b {x: 1}\nc:\n  x: 5\n  <<: *b\n' },
  { name: 'nested merges', text: 'a: &a {p: 1}\nb: &b {<<: *a, q: 2}\nc: {<<: *b, r: 3}\n' },
  { name: 'merge of a scalar is an error', text: 'a: &s 1\nb:\n  <<: *s\n' },
  { name: 'merge list with a scalar is an error', text: 'a: &m {x: 1}\nb:\n  <<: [*m, 2]\n' },
  { name: 'two merge keys', text: 'a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: *a\n  <<: *b\n' },
  { name: 'quoted << is a plain key', text: '"<<": {x: 1}\n' },
  { name: 'merge as a list item is an error', text: '- <<\n' },
  { name: 'alias without anchor', text: 'a: *nope\n' },
  { name: 'literal block', text: 'script: |\n  line one\n    indented\n  line three\n' },
  { name: 'literal strip and keep', text: 'a: |-\n  x\n\nb: |+\n  y\n\nc: end\n' },
  { name: 'folded block', text: 'f: >\n  folded\n  text\n\n  new para\n    more indented\n  back\n' },
  { name: 'folded strip', text: 'f: >-\n  a\n  b\n' },
  { name: 'block with indentation indicator', text: 'a: |2\n   leading space\n  x\n' },
  { name: 'plain multi-line', text: 'a: plain\n  continued\n\n  after blank\nb: 2\n' },
  { name: 'plain multi-line that looks like a number', text: 'a: 1\n  2\n' },
  { name: 'single-quoted multi-line', text: "a: 'multi\n  line ''quoted'''\n" },
  { name: 'double-quoted escapes', text: 'a: "tab\\there\\nnew \\u00e9 \\x41 \\\\ \\""\nb: "line\\\n  joined"\n' },
  { name: 'double-quoted multi-line', text: 'a: "one\n  two\n\n  three"\n' },
  { name: 'comments everywhere', text: '# head\na: 1 # after\n# between\nb:   # before value\n  - x # item\n  # inner\n  - y\n' },
  { name: 'hash inside values', text: 'a: x#y\nb: "x #y"\nc: x #y\n' },
  { name: 'flow in block', text: 'elements: [vm, growroot, "dhcp"]\nenv: {A: "1", B: two, C: 3}\nempty: []\nnone: {}\n' },
  { name: 'flow trailing comma', text: 'a: [1, 2,]\nb: {x: 1,}\n' },
  { name: 'nested flow', text: 'a: [[1, [2.5, yes]], {b: [~, null]}]\n' },
  { name: 'flow multi-line', text: 'a: [\n  1,\n  two,\n  0x3\n]\n' },
  { name: 'block seq in block map, same indent', text: 'list:\n- a\n- 1\nmap:\n  k: v\n' },
  { name: 'compact nested seqs', text: '- - 1\n  - 2\n- - 3\n' },
  { name: 'seq of maps', text: 'labels:\n  - name: small\n    min-ready: 1\n  -   name: big\n      max-ready-age: 3\n' },
  { name: 'complex key', text: '? complex\n: key\n? [a, b]\n: list key\n' },
  { name: 'empty values', text: 'a:\nb: ~\nc: ""\nd:\n  -\n  - ~\n' },
  { name: 'explicit str tag', text: 'a: !!str 1\nb: !!str yes\nc: !!str\n' },
  { name: 'explicit int tag', text: 'a: !!int "12"\nb: !!int 0x10\nc: !!int "007"\n' },
  { name: 'explicit int tag on text is an error', text: 'a: !!int "twelve"\n' },
  { name: 'explicit float tag', text: 'a: !!float "1"\nb: !!float 1e3\nc: !!float .5\n' },
  { name: 'explicit bool tag', text: 'a: !!bool "yes"\nb: !!bool "off"\n' },
  { name: 'explicit bool tag on y is an error', text: 'a: !!bool y\n' },
  { name: 'explicit null tag', text: 'a: !!null ""\nb: !!null whatever\n' },
  { name: 'non-specific tag', text: "a: ! 12\nb: ! yes\n" },
  { name: 'binary', text: 'a: !!binary aGVsbG8gd29ybGQ=\nb: !!binary |\n  aGVs\n  bG8=\n' },
  { name: 'set', text: 'a: !!set {x, y, 3}\n' },
  { name: 'omap', text: 'a: !!omap [{x: 1}, {y: 2}]\n' },
  { name: 'pairs', text: 'a: !!pairs [{x: 1}, {x: 2}]\n' },
  { name: 'explicit map and seq tags', text: 'a: !!map {x: 1}\nb: !!seq [1]\n' },
  { name: 'timestamp tag', text: 'a: !!timestamp 2001-1-1\n' },
  { name: 'unknown local tag is an error', text: 'a: !foo x\n' },
  { name: 'python tag is an error in safe_load', text: 'a: !!python/tuple [1, 2]\n' },
  { name: 'tag directive', text: '%TAG !e! tag:yaml.org,2002:\n---\na: !e!int "5"\n' },
  { name: 'YAML directive', text: '%YAML 1.1\n---\na: yes\n' },
  { name: 'int keys', text: '1: one\n2: two\n0x3: three\n' },
  { name: 'bool and null keys', text: 'yes: a\n~: b\n' },
  { name: 'float and date keys', text: '1.5: a\n2001-12-14: b\n' },
  { name: 'list key is an error', text: '? [a]\n: 1\n' },
  { name: 'key __proto__', text: '__proto__: {polluted: yes}\nconstructor: 1\n' },
  { name: 'unicode', text: 'name: "caf\u00e9"\nemoji: "\u2603"\n' },
  { name: 'long string', text: `a: ${'x'.repeat(5000)}\n` },
  { name: 'tab inside a plain value is an error', text: 'a: x\ty\n' },
  { name: 'tab after a colon is an error', text: 'a:\tx\n' },
  { name: 'tab between flow items is an error', text: 'a: [x,\ty]\n' },
  { name: 'tab before a comment is an error', text: 'a: 1 \t# c\n' },
  { name: 'tabs in quotes, block scalars and comments', text: 'a: "x\ty"\nb: \'\t\'\nc: |\n  x\ty\n# a\tcomment\nd: 1 # and\there\n' },
  { name: 'tab on an otherwise empty line is an error', text: 'a: b\n\t\nc: d\n' },
  // The yaml package refuses a lone `-` as a flow item; PyYAML reads the string '-'.
  { name: 'dash as a flow sequence item', text: '[-, x]\n', differs: 'yaml-refuses' },
  { name: 'dash as a flow mapping value', text: '{k: -}\n', differs: 'yaml-refuses' },
  { name: 'indentation with tabs is an error', text: 'a:\n\tb: 1\n' },
  { name: 'unclosed flow', text: 'a: [1, 2\nb: 3\n' },
  { name: 'bad indentation', text: 'a:\n  b: 1\n c: 2\n' },
  { name: 'unterminated quote', text: 'a: "x\n' },
  { name: 'percent starts no plain scalar', text: 'port: %(NODEPOOL_PORT)\n' },
  { name: 'at sign starts no plain scalar', text: 'a: @x\n' },
  { name: 'backtick starts no plain scalar', text: 'a: `x\n' },
  { name: 'nodepool config',
    text: [
      'elements-dir: .', 'images-dir: /opt/dib', 'zookeeper-servers:', '  - host: 127.0.0.1', '    port: 2281',
      'labels:', '  - name: small', '    min-ready: 1', 'diskimages:', '  - name: debian', '    release: 10',
      '    rebuild-age: 1:00:00', '    env-vars:', '      DIB_DEBUG_TRACE: 1', '      TMPDIR: /opt/tmp',
      'providers:', '  - name: lab', '    cloud: lab', '    rate: 0.001', '    boot-from-volume: yes',
      '    pools:', '      - name: main', '        max-servers: 96',
      '        labels: [{name: small, diskimage: debian, min-ram: 8192, key-name: off}]', '',
    ].join('\n') },
  // Kept on purpose: a key given twice is an error here; PyYAML silently keeps the last value.
  { name: 'duplicate key', text: 'a: 1\na: 2\n', differs: 'error-here' },
  { name: 'duplicate key in flow', text: '{a: 1, a: 2}\n', differs: 'error-here' },
  { name: 'duplicate int key', text: '1: a\n0x1: b\n', differs: 'error-here' },
  // Kept on purpose: a recursive structure is an error here (nothing in a config needs one).
  { name: 'recursive alias', text: 'a: &a [1, *a]\n', differs: 'error-here' },
];

/** Every document of the corpus, with its name. */
export function corpus(): Doc[] {
  const out: Doc[] = [];
  for (const s of SCALARS) POSITIONS.forEach((place, i) => out.push({ name: `scalar ${JSON.stringify(s)} in position ${i}`, text: place(s) }));
  // Scalars as keys and values of one mapping, and a long block sequence of all of them.
  out.push({ name: 'all scalars as values', text: SCALARS.filter((s) => s !== '<<' && s !== '=').map((s, i) => `k${i}: ${s}\n`).join('') });
  out.push({ name: 'all scalars in a list', text: SCALARS.filter((s) => s !== '<<' && s !== '=').map((s) => `- ${s}\n`).join('') });
  out.push(...HANDWRITTEN);
  return out;
}
