// The shell commands the ready-script step sends to the node, built without side effects.
// Classic form: `cd /opt/nodepool-scripts && NODEPOOL_X="..." ./<script> <hostname>`.
import type { Node } from '../../model/types.ts';
import type { ProviderConfig } from '../../config/model.ts';

export const SCRIPTS_DIR_ON_NODE = '/opt/nodepool-scripts';

const SAFE_SEGMENT = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]*$/;
const ENV_NAME = /^NODEPOOL_[A-Za-z0-9_]*$/;

/** Why a ready-script name cannot be run as ./<name> inside the scripts dir, or null. */
export function scriptNameProblem(script: string): string | null {
  const segments = script.split('/');
  if (script.length === 0 || segments.some((s) => !SAFE_SEGMENT.test(s))) {
    return `ready-script '${script}' is not a plain relative file name (expected letters, digits, . _ + - and /, no '..')`;
  }
  return null;
}

/** POSIX single-quoting: safe for any value. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Which of the daemon's NODEPOOL_* variables may reach the ready-script. */
export interface EnvForwarding {
  /** Names the config consumes through %(NAME): never forwarded. null: not known, forward none. */
  consumed: ReadonlySet<string> | null;
  /** The config's `ready-script-env`: only these (null: all others). */
  allow: readonly string[] | null;
}

/** Pure: the daemon's variables forwarded, and the NODEPOOL_* names held back. */
export function forwardedDaemonEnv(environment: Readonly<Record<string, string | undefined>>, forwarding: EnvForwarding): {
  env: Record<string, string>; withheld: string[];
} {
  const env: Record<string, string> = {};
  const withheld: string[] = [];
  for (const [k, v] of Object.entries(environment)) {
    if (v === undefined || !ENV_NAME.test(k)) continue;
    const allowed = forwarding.consumed !== null && !forwarding.consumed.has(k)
      && (forwarding.allow === null || forwarding.allow.includes(k));
    if (allowed) env[k] = v;
    else withheld.push(k);
  }
  return { env, withheld: withheld.sort() };
}

/** The daemon's forwarded NODEPOOL_* variables (see forwardedDaemonEnv), then the node's own (which win). */
export function readyScriptEnv(environment: Readonly<Record<string, string | undefined>>, node: Node,
                               provider: Pick<ProviderConfig, 'name' | 'cloud' | 'regionName'>,
                               forwarding: EnvForwarding): Record<string, string> {
  const env = forwardedDaemonEnv(environment, forwarding).env;
  Object.assign(env, {
    NODEPOOL_PROVIDER: provider.name,
    NODEPOOL_CLOUD: node.cloud ?? provider.cloud,
    NODEPOOL_REGION: node.region ?? provider.regionName ?? '',
    NODEPOOL_AZ: node.az ?? '',
    NODEPOOL_NODE_ID: node.id,
    NODEPOOL_LABEL: node.type[0] ?? '',
  });
  return env;
}

export function runScriptCommand(script: string, hostname: string, env: Record<string, string>): string {
  const assignments = Object.keys(env).sort().map((k) => `${k}=${shellQuote(env[k])}`);
  return [`cd ${SCRIPTS_DIR_ON_NODE} &&`, ...assignments, `./${script}`, shellQuote(hostname)].join(' ');
}

/**
 * Installs the script read from stdin as <scripts dir>/<script>, mode 0755. The image's element
 * makes the dir root-owned 0755, so when the login user cannot write there it goes through
 * passwordless sudo (which the same element grants).
 */
export function installScriptCommand(script: string): string {
  return [
    `d=${SCRIPTS_DIR_ON_NODE};`,
    `f="$d"/${shellQuote(script)};`,
    'p=$(dirname "$f");',
    'if mkdir -p "$p" 2>/dev/null && [ -w "$p" ]; then cat > "$f" && chmod 0755 "$f";',
    'else sudo -n mkdir -p "$p" && sudo -n tee "$f" > /dev/null && sudo -n chmod 0755 "$f"; fi',
  ].join(' ');
}

/** Classic checks for the directory, not creates it: the image must provide it. */
export const CHECK_NODEPOOL_DIR = 'test -d /etc/nodepool';
