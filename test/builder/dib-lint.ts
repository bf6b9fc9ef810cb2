// diskimage-builder's own element checker over our elements/, where DIB is installed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ELEMENTS } from './fake-dib.ts';

export const DIB_LINT = '/usr/bin/dib-lint';

export function dibLintInstalled(): boolean {
  return existsSync(DIB_LINT);
}

/** The last line dib-lint prints ("PASS" when every element is clean). Its stderr carries
 *  harmless noise about DIB's own source tree, so it is captured, not echoed. */
export function dibLintVerdict(): string {
  const out = execFileSync(DIB_LINT, [], {
    cwd: join(PROJECT_ELEMENTS, '..'), env: { ...process.env, ELEMENTS_DIR: 'elements' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out.trim().split('\n').at(-1) ?? '';
}
