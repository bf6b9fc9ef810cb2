// DIB --checksum sidecars: `<hash>  /abs/path` (md5sum format). Nodepool reads only the hash.
// DIB writes none for tar, so a missing file is normal.
import { readFileSync } from 'node:fs';

function readHash(path: string, length: number): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    const hash = text.slice(0, length);
    return new RegExp(`^[0-9a-f]{${length}}$`).test(hash) ? hash : undefined;
  } catch {
    return undefined;
  }
}

export function readChecksums(imageFile: string): { md5?: string; sha256?: string } {
  return { md5: readHash(`${imageFile}.md5`, 32), sha256: readHash(`${imageFile}.sha256`, 64) };
}
