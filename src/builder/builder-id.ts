// <images-dir>/builder_id.txt: a uuid4 written on first start, identifying this builder's files.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function readOrCreateBuilderId(imagesDir: string): string {
  const file = join(imagesDir, 'builder_id.txt');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(imagesDir, { recursive: true });
  const id = randomUUID();
  // 'wx': two builders starting at once on one images-dir must not both win.
  try {
    writeFileSync(file, id, { flag: 'wx' });
    return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw err;
  }
}
