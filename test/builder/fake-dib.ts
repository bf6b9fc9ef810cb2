// Paths and helpers around test/fixtures/builder/fake-dib-cmd.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FAKE_DIB = fileURLToPath(new URL('../fixtures/builder/fake-dib-cmd', import.meta.url));
export const PROJECT_ELEMENTS = fileURLToPath(new URL('../../elements', import.meta.url));

/** True while the process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function readPid(file: string): number | null {
  if (!existsSync(file)) return null;
  const n = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(n) && n > 0 ? n : null;
}
