// The exact diskimage-builder command line and environment, as upstream's
// BuildWorker._buildImage sets them. Pure: the runner only executes what this returns.
import { join } from 'node:path';
import type { DiskImageConfig } from '../config/model.ts';
import { splitShellWords } from './shell-words.ts';

/** "HP Cloud requires qemu compat 0.10": upstream adds it whenever qcow2 is built. */
export const QEMU_COMPAT_OPTIONS = 'compat=0.10';

export interface DibInvocationInput {
  diskimage: DiskImageConfig;
  imageTypes: readonly string[];
  buildId: string;
  imagesDir: string;
  /** nodepool.yaml elements-dir (operator's), or null. */
  elementsDir: string | null;
  /** The project's own elements/ directory (nodepool-minimal, rdo-requirements). */
  projectElementsDir: string;
  /** Replaces `%p` in dib-cmd (upstream: the package dir; here the project root). */
  projectDir: string;
  /** The builder's own environment, copied first. */
  baseEnv: Readonly<Record<string, string | undefined>>;
}

export interface DibInvocation {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** <images-dir>/<image>-<build_id>: DIB adds .<format>, .md5, .sha256, .d */
  outputBase: string;
}

export function imageFileBase(imagesDir: string, image: string, buildId: string): string {
  return join(imagesDir, `${image}-${buildId}`);
}

export function dibInvocation(input: DibInvocationInput): DibInvocation {
  const d = input.diskimage;
  const words = splitShellWords(d.dibCmd.replaceAll('%p', input.projectDir));
  if (words.length === 0) throw new Error(`diskimage ${d.name}: dib-cmd is empty`);
  const [command, ...prefixArgs] = words;
  const outputBase = imageFileBase(input.imagesDir, d.name, input.buildId);
  const args = [...prefixArgs, '-x', '-t', input.imageTypes.join(','), '--checksum', '--no-tmpfs'];
  if (input.imageTypes.includes('qcow2')) args.push('--qemu-img-options', QEMU_COMPAT_OPTIONS);
  args.push('-o', outputBase, ...d.elements);

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.baseEnv)) if (v !== undefined) env[k] = v;
  if (d.release !== null) env.DIB_RELEASE = String(d.release);
  env.DIB_IMAGE_NAME = d.name;
  env.DIB_IMAGE_FILENAME = outputBase;
  // The operator's elements come first so they can shadow the project's by name.
  env.ELEMENTS_PATH = [input.elementsDir, input.projectElementsDir].filter((p): p is string => !!p).join(':');
  // User env-vars (already merged along parents and with the secure file) win over everything,
  // as upstream: QEMU_IMG_OPTIONS, TMPDIR, DIB_IMAGE_CACHE ... are the operator's business.
  for (const [k, v] of Object.entries(d.envVars)) env[k] = v;
  return { command, args, env, outputBase };
}
