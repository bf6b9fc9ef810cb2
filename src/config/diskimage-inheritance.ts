// Resolves `parent` chains of top-level diskimages as upstream does (see merge below); then
// upstream's defaults fill the gaps.
import type { DiskImageConfig } from './model.ts';
import { DISKIMAGE_DEFAULTS, type RawDiskimage } from './schema/diskimages.ts';

export interface InheritanceProblem { index: number; key: 'parent'; message: string }

export function resolveDiskimages(raw: readonly RawDiskimage[]): {
  diskimages: DiskImageConfig[];
  problems: InheritanceProblem[];
} {
  const byName = new Map<string, RawDiskimage>();
  for (const img of raw) if (!byName.has(img.name)) byName.set(img.name, img);
  const problems: InheritanceProblem[] = [];

  const diskimages = raw.map((img, index) => {
    // Walk up to the root, refusing unknown parents and loops.
    const chain: RawDiskimage[] = [img];
    const seen = new Set([img.name]);
    let cur = img;
    while (cur.parent !== undefined) {
      const parent = byName.get(cur.parent);
      if (!parent) {
        if (cur === img) {
          problems.push({ index, key: 'parent', message: `parent diskimage '${cur.parent}' does not exist (expected the name of a top-level diskimage)` });
        }
        break;
      }
      if (seen.has(parent.name)) {
        problems.push({ index, key: 'parent', message: `parent chain loops back to '${parent.name}' (expected a chain that ends)` });
        break;
      }
      seen.add(parent.name);
      chain.push(parent);
      cur = parent;
    }
    return merge(chain.reverse(), img);
  });
  return { diskimages, problems };
}

/**
 * `chain` is root first, `self` last. As upstream's DiskImage.setFromConfig, applied down the
 * chain: a value overrides only when it is truthy in Python (so `pause: false` under a paused
 * parent keeps it paused, and `rebuild-age: 0` / `build-timeout: 0` keep the default), elements
 * append, env-vars update, and a non-empty `metadata` replaces the parent's.
 */
function merge(chain: RawDiskimage[], self: RawDiskimage): DiskImageConfig {
  const pick = <K extends keyof RawDiskimage>(key: K): RawDiskimage[K] | undefined => {
    let value: RawDiskimage[K] | undefined;
    for (const img of chain) if (pythonTruthy(img[key])) value = img[key];
    return value;
  };
  const elements: string[] = [];
  const envVars: Record<string, string> = {};
  for (const img of chain) {
    elements.push(...(img.elements ?? []));
    Object.assign(envVars, img['env-vars'] ?? {});
  }
  return {
    name: self.name,
    // Abstract-ness is not inherited: the child of an abstract image is a real one.
    abstract: self.abstract ?? false,
    parent: self.parent ?? null,
    dibCmd: pick('dib-cmd') ?? DISKIMAGE_DEFAULTS.dibCmd,
    pause: pick('pause') ?? false,
    elements,
    formats: pick('formats') ?? [],
    keepFormats: pick('keep-formats') ?? [],
    deleteAfterUpload: pick('delete-after-upload') ?? false,
    release: pick('release') ?? null,
    rebuildAge: pick('rebuild-age') ?? DISKIMAGE_DEFAULTS.rebuildAge,
    buildTimeout: pick('build-timeout') ?? DISKIMAGE_DEFAULTS.buildTimeout,
    envVars,
    username: pick('username') ?? DISKIMAGE_DEFAULTS.username,
    pythonPath: pick('python-path') ?? DISKIMAGE_DEFAULTS.pythonPath,
    shellType: pick('shell-type') ?? null,
    metadata: { ...(pick('metadata') ?? {}) },
  };
}

/** Python's truth value of a config value: 0, '', [], {}, false and None are false. */
function pythonTruthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}
