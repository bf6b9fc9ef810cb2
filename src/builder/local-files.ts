// The builder's files in images-dir: <image>-<build_id>.<fmt>, .md5, .sha256 and the .d manifest dir.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseLocalBuildFile, type LocalBuildFile } from './cleanup-plan.ts';
import { imageFileBase } from './dib-command.ts';

export function imageFilePath(imagesDir: string, image: string, buildId: string, format: string): string {
  return `${imageFileBase(imagesDir, image, buildId)}.${format}`;
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
  rmSync(join(imagesDir, name), { recursive: true, force: true });
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
