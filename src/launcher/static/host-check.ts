// Is a static host fit to be (re-)registered, and with which host keys? Upstream's static
// provider (checkHost) scans SSH hosts for their keys, which must include every configured
// `host-key`; hosts reached another way (winrm, kubectl) only need their port to answer; with
// `host-key-checking: false` an SSH host is taken on trust with its configured keys.
import type { StaticNodeConfig } from '../../config/static-model.ts';
import type { ScanHostKeys } from '../worker-contracts.ts';

export type HostCheckResult =
  | { ok: true; hostKeys: string[] }
  | { ok: false; reason: string };

export interface HostCheckDeps {
  scanHostKeys: ScanHostKeys;
  /** Resolves once host:port accepts a TCP connection; throws when it does not in time. */
  probePort(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<void>;
}

/** Connection types whose hosts speak SSH (upstream gathers host keys only for these). */
const SSH_TYPES = new Set(['ssh', 'network_cli']);

/** "type base64" of a configured key; a trailing comment does not take part in the comparison. */
export function keyIdentity(key: string): string {
  return key.trim().split(/\s+/).slice(0, 2).join(' ');
}

export async function checkStaticHost(host: StaticNodeConfig, deps: HostCheckDeps, signal: AbortSignal): Promise<HostCheckResult> {
  const where = `${host.name}:${host.connectionPort}`;
  const timeoutMs = host.timeout * 1000;
  const speaksSsh = SSH_TYPES.has(host.connectionType);
  if (speaksSsh && !host.hostKeyChecking) return { ok: true, hostKeys: [...host.hostKeys] };
  if (!speaksSsh) {
    try {
      await deps.probePort(host.name, host.connectionPort, timeoutMs, signal);
      return { ok: true, hostKeys: [] };
    } catch (err) {
      signal.throwIfAborted();
      return { ok: false, reason: `${where} does not answer (${errorText(err)})` };
    }
  }
  let scanned: string[];
  try {
    scanned = await deps.scanHostKeys(host.name, host.connectionPort, timeoutMs, signal);
  } catch (err) {
    signal.throwIfAborted();
    return { ok: false, reason: `${where}: SSH host key scan failed (${errorText(err)})` };
  }
  const offered = new Set(scanned.map(keyIdentity));
  const missing = host.hostKeys.map(keyIdentity).filter((k) => !offered.has(k));
  if (missing.length > 0) {
    const types = scanned.map((k) => k.split(' ')[0]).join(', ') || 'none';
    return { ok: false, reason: `${where}: host key mismatch (configured ${missing.map((k) => k.split(' ')[0]).join(', ')} key not offered; host offers ${types})` };
  }
  return { ok: true, hostKeys: scanned };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
