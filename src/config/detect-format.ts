// Which of the two file formats a parsed file is, decided by keys only the classic one has.

const CLASSIC_TOP_KEYS = ['cron', 'targets', 'zmq-publishers', 'gearman-servers', 'dburi'];

export function detectFormat(raw: unknown): 'current' | 'classic' {
  if (!isRecord(raw)) return 'current';
  if (CLASSIC_TOP_KEYS.some((k) => k in raw)) return 'classic';
  const providers = Array.isArray(raw.providers) ? raw.providers : [];
  if (providers.some((p) => isRecord(p) && 'images' in p && !('pools' in p))) return 'classic';
  const labels = Array.isArray(raw.labels) ? raw.labels : [];
  if (labels.some((l) => isRecord(l) && ('image' in l || 'providers' in l))) return 'classic';
  return 'current';
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
