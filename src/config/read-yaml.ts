// Reading a nodepool.yaml or secure file as upstream's openConfig does: %(NODEPOOL_X) filled in
// the text as written, then YAML as PyYAML reads it, positions kept in the file as written.
import { substituteEnvText, type Env } from './env-substitute.ts';
import type { ConfigProblem } from './errors.ts';
import { YamlSource } from './yaml-source.ts';

/**
 * Substitutes %(NODEPOOL_X) in the text as written and parses the result; a placeholder whose
 * variable is unset stays as written (as upstream leaves it) with a warning.
 */
export function readYaml(file: string, written: string, env: Env): { source: YamlSource; consumed: string[]; problems: ConfigProblem[] } {
  const sub = substituteEnvText(written, env);
  const source = new YamlSource(file, sub.text, { original: sub.original });
  // In a comment it does not matter.
  const problems = sub.unset
    .filter((u) => !source.inComment(u.offset))
    .map((u) => source.problemAtOffset(u.offset, 'warning',
      `%(${u.name}) is left as written: ${u.name} is not set (expected it in the environment)`));
  return { source, consumed: sub.consumed, problems };
}

