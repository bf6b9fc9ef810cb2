// Per-request fault injection: added latency, random 5xx per service, 429 with Retry-After.
import type { SimCloud } from './cloud.ts';
import { HttpError } from './http.ts';
import type { FaultConfig, SimService } from './types.ts';

const SERVICES: SimService[] = ['identity', 'compute', 'image', 'network', 'volume'];

/** Waits the configured latency, then throws the fault this request draws, if any. */
export async function applyRequestFaults(sim: SimCloud, service: SimService): Promise<void> {
  const f = sim.faults;
  if (f.latencyMs && f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
  if (f.rateLimit && f.rateLimit.count > 0 && (!f.rateLimit.service || f.rateLimit.service === service)) {
    f.rateLimit.count -= 1;
    sim.changed();
    const retryAfter = String(f.rateLimit.retryAfterSeconds ?? 1);
    throw new HttpError(429, 'This request was rate-limited.', { headers: { 'Retry-After': retryAfter }, kind: 'OverQuota' });
  }
  const rate = f.errorRate?.[service] ?? 0;
  // Draw from the seeded generator only when a rate is set, so unrelated requests do not shift the sequence.
  if (rate > 0 && sim.rng.next() < rate) {
    sim.changed();
    throw new HttpError(503, 'The server is currently unavailable. Please try again at a later time.', { kind: 'ServiceUnavailable' });
  }
}

/** Replaces (or with merge, updates) the runtime faults after checking them. */
export function setFaults(sim: SimCloud, input: unknown, merge: boolean): FaultConfig {
  const next = validateFaults(input);
  sim.store.data.faults = merge ? { ...sim.store.data.faults, ...next } : next;
  sim.changed();
  return sim.store.data.faults;
}

function validateFaults(input: unknown): FaultConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpError(400, 'faults must be a JSON object');
  const f = input as Record<string, unknown>;
  const problems: string[] = [];
  const nonNegative = (key: string) => {
    if (f[key] !== undefined && !(typeof f[key] === 'number' && (f[key] as number) >= 0)) problems.push(`${key} must be a number >= 0`);
  };
  const known = ['latencyMs', 'errorRate', 'rateLimit', 'quotaFailNextCreates', 'errorServers', 'stuckServers', 'undeletableServers', 'lostCreateResponses', 'uploadBytesPerSecond', 'stalledImageCreates'];
  for (const key of Object.keys(f)) if (!known.includes(key)) problems.push(`unknown fault ${key} (known: ${known.join(', ')})`);
  for (const key of ['latencyMs', 'quotaFailNextCreates', 'stuckServers', 'undeletableServers', 'lostCreateResponses', 'uploadBytesPerSecond', 'stalledImageCreates']) nonNegative(key);
  if (f.errorRate !== undefined) {
    if (typeof f.errorRate !== 'object' || f.errorRate === null) problems.push('errorRate must map service names to fractions');
    else {
      for (const [svc, v] of Object.entries(f.errorRate)) {
        if (!SERVICES.includes(svc as SimService)) problems.push(`errorRate: unknown service ${svc} (known: ${SERVICES.join(', ')})`);
        if (!(typeof v === 'number' && v >= 0 && v <= 1)) problems.push(`errorRate.${svc} must be between 0 and 1`);
      }
    }
  }
  if (f.rateLimit !== undefined) {
    const r = f.rateLimit as Record<string, unknown> | null;
    if (!r || typeof r.count !== 'number' || r.count < 0) problems.push('rateLimit.count must be a number >= 0');
    else if (r.service !== undefined && !SERVICES.includes(r.service as SimService)) problems.push(`rateLimit.service must be one of ${SERVICES.join(', ')}`);
  }
  if (f.errorServers !== undefined) {
    const e = f.errorServers as Record<string, unknown> | null;
    if (!e || typeof e.count !== 'number' || e.count < 0) problems.push('errorServers.count must be a number >= 0');
    else if (e.message !== undefined && typeof e.message !== 'string') problems.push('errorServers.message must be a string');
  }
  if (problems.length) throw new HttpError(400, `invalid faults: ${problems.join('; ')}`);
  return structuredClone(f) as FaultConfig;
}
