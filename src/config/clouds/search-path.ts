// Where openstacksdk looks for clouds.yaml and secure.yaml, in order; the first file found wins.
import { join } from 'node:path';
import type { Env } from '../env-substitute.ts';

export interface SearchDirs {
  env: Env;
  home: string;
  cwd: string;
  /** Defaults to /etc/openstack; tests point it elsewhere. */
  systemDir?: string;
}

const EXTENSIONS = ['yaml', 'yml', 'json'];

function candidates(base: string, envVar: string, dirs: SearchDirs): string[] {
  const out: string[] = [];
  const fromEnv = dirs.env[envVar];
  if (fromEnv) out.push(fromEnv);
  for (const dir of [dirs.cwd, join(dirs.home, '.config', 'openstack'), dirs.systemDir ?? '/etc/openstack']) {
    for (const ext of EXTENSIONS) out.push(join(dir, `${base}.${ext}`));
  }
  return out;
}

/** OS_CLIENT_CONFIG_FILE, then ./clouds.yaml, ~/.config/openstack/, /etc/openstack/. */
export function cloudsFileCandidates(dirs: SearchDirs): string[] {
  return candidates('clouds', 'OS_CLIENT_CONFIG_FILE', dirs);
}

/** OS_CLIENT_SECURE_FILE, then secure.yaml in the same directories. */
export function secureFileCandidates(dirs: SearchDirs): string[] {
  return candidates('secure', 'OS_CLIENT_SECURE_FILE', dirs);
}
