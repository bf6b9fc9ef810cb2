// The builder's files in images-dir: <image>-<build_id>.<fmt>, .md5, .sha256 and the .d manifest dir.
// Image names, build ids and formats come from ZooKeeper and the config: every path built from
// them is checked to be one entry directly inside images-dir before anything touches it.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { isSafeFileComponent, isValidFormat } from '../model/names.ts';
import { parseLocalBuildFile, type LocalBuildFile } from './cleanup-plan.ts';

export class UnsafePathError extends Error {
  constructor(what: string) {
    super(`refusing a path outside images-dir: ${what}`);
    this.name = 'UnsafePathError';
  }
}

/** `name` as one entry of `dir`, or UnsafePathError. */
export function entryIn(dir: string, name: string): string {
  if (!isSafeFileComponent(name)) throw new UnsafePathError(JSON.stringify(name));
  const base = resolve(dir);
  const path = resolve(base, name);
  if (!path.startsWith(base + sep) || path.slice(base.length + 1).includes(sep)) throw new UnsafePathError(JSON.stringify(name));
  return path;
}

export function imageFilePath(imagesDir: string, image: string, buildId: string, format: string): string {
  if (!isValidFormat(format)) throw new UnsafePathError(`format ${JSON.stringify(format)}`);
  return entryIn(imagesDir, `${image}-${buildId}.${format}`);
}

export function hasLocalImageFile(imagesDir: string, image: string, buildId: string, format: string): boolean {
  return existsSync(imageFilePath(imagesDir, image, buildId, format));
}

export function listLocalBuildFiles(imagesDir: string): LocalBuildFile[] {
  let names: string[];
  try {
    names = readdirSync(imagesDir);
  } catch {
    return [];
  }
  return names.map(parseLocalBuildFile).filter((f): f is LocalBuildFile => f !== null);
}

export function removePath(imagesDir: string, name: string): void {
  rmSync(entryIn(imagesDir, name), { recursive: true, force: true });
}

/** Every file of one build (all formats, checksums, manifests). */
export function deleteBuildFiles(imagesDir: string, image: string, buildId: string): string[] {
  const removed: string[] = [];
  for (const f of listLocalBuildFiles(imagesDir)) {
    if (f.image === image && f.buildId === buildId) {
      removePath(imagesDir, f.name);
      removed.push(f.name);
    }
  }
  return removed;
}

/** One format of a build plus its checksum sidecars (delete-after-upload). */
export function deleteFormatFiles(imagesDir: string, image: string, buildId: string, format: string): void {
  const file = imageFilePath(imagesDir, image, buildId, format);
  for (const p of [file, `${file}.md5`, `${file}.sha256`]) rmSync(p, { force: true });
}
