// Remembers where in the file each model object came from, so semantic checks (which work on
// the normalised model, whatever the format) can point at the offending line.
import type { ConfigPath } from './errors.ts';
import type { YamlSource } from './yaml-source.ts';

interface Origin {
  source: YamlSource;
  base: ConfigPath;
  /** Per-key paths when a value came from elsewhere (classic: a label's image fields). */
  fields?: Record<string, ConfigPath>;
}

export class Origins {
  private readonly map = new WeakMap<object, Origin>();

  set(obj: object, source: YamlSource, base: ConfigPath, fields?: Record<string, ConfigPath>): void {
    this.map.set(obj, { source, base, fields });
  }

  /** Source and path of `obj` itself, or of its file key `key` (spelled as in the file). */
  of(obj: object, key?: string): { source: YamlSource; path: ConfigPath } | undefined {
    const origin = this.map.get(obj);
    if (!origin) return undefined;
    if (key === undefined) return { source: origin.source, path: origin.base };
    const path = origin.fields?.[key] ?? [...origin.base, key];
    return { source: origin.source, path };
  }
}
