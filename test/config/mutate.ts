// Random but replayable edits of YAML text, for robustness and differential tests.

// A small deterministic PRNG so a failure can be replayed.
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SNIPPETS = [':', '- ', '  ', '[', '{', '}', "'", '"', '#', '&a ', '*a', '!!', '|', 'yes', '-1', '~', '\t', '<<: ', 'name: x', '%(NODEPOOL_X)'];

export function mutate(text: string, rand: () => number): string {
  const lines = text.split('\n');
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rand() * lines.length);
    const kind = rand();
    if (kind < 0.25) lines.splice(at, 1);
    else if (kind < 0.5) lines.splice(at, 0, lines[Math.floor(rand() * lines.length)] ?? '');
    else {
      const line = lines[at] ?? '';
      const pos = Math.floor(rand() * (line.length + 1));
      lines[at] = line.slice(0, pos) + SNIPPETS[Math.floor(rand() * SNIPPETS.length)] + line.slice(pos + (kind < 0.75 ? 1 : 0));
    }
  }
  return lines.join('\n');
}
