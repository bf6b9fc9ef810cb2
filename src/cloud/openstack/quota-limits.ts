// Nova's absolute limits as provider-neutral quota (pure). -1 means unlimited.
import type { QuotaLimits } from '../provider.ts';
import type { NovaLimits } from './nova.ts';

function limit(value: unknown): number {
  if (typeof value !== 'number' || value < 0) return Infinity;
  return value;
}

export function quotaFromLimits(absolute: NovaLimits): QuotaLimits {
  return {
    cores: limit(absolute.maxTotalCores),
    instances: limit(absolute.maxTotalInstances),
    ram: limit(absolute.maxTotalRAMSize),
  };
}
