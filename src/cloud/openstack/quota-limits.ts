// Nova's (and Cinder's, when the cloud has a volume service) absolute limits as provider-neutral
// quota (pure). -1 means unlimited.
import type { QuotaLimits } from '../provider.ts';
import type { NovaLimits } from './nova.ts';
import type { CinderAbsoluteLimits } from './volume-limits.ts';

function limit(value: unknown): number {
  if (typeof value !== 'number' || value < 0) return Infinity;
  return value;
}

export function quotaFromLimits(absolute: NovaLimits, volume: CinderAbsoluteLimits | null = null): QuotaLimits {
  const q: QuotaLimits = {
    cores: limit(absolute.maxTotalCores),
    instances: limit(absolute.maxTotalInstances),
    ram: limit(absolute.maxTotalRAMSize),
  };
  if (volume) {
    q.volumes = limit(volume.maxTotalVolumes);
    q['volume-gb'] = limit(volume.maxTotalVolumeGigabytes);
  }
  return q;
}
