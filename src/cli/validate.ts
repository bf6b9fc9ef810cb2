// Argument checks done before anything touches ZooKeeper, so a typo changes nothing.
import { CliError } from './errors.ts';

/** Node ids are ZooKeeper sequence numbers: 10 digits (shorter ones are padded, as people type "42"). */
export function normaliseNodeId(id: string): string {
  if (!/^\d{1,10}$/.test(id)) throw new CliError(`invalid node id "${id}" (expected digits, e.g. 0000000042)`);
  return id.padStart(10, '0');
}

export function requireRequestId(id: string): void {
  if (!/^\d{3}-\d{10}$/.test(id)) throw new CliError(`invalid request id "${id}" (expected <priority>-<10 digits>, e.g. 200-0000000042)`);
}

/** A name that is one ZooKeeper path segment (image, provider, build id, upload id). */
export function requireName(kind: string, value: string): void {
  if (!value || value === '.' || value === '..' || /[\/\u0000-\u001f]/.test(value)) {
    throw new CliError(`invalid ${kind} "${value}"`);
  }
}
