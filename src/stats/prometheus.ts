// Prometheus text exposition of the registry. Upstream's dotted statsd names are mapped to metric
// names with labels, in the spirit of upstream's contrib statsd_exporter mapping; keys no rule
// matches are exported under their sanitised name so nothing recorded is ever hidden.
import type { MetricsRegistry } from './registry.ts';

interface Mapping {
  pattern: RegExp;
  name: string;
  labels: readonly string[];
}

const RESULT = '(ready|error\\..+)';
const MAPPINGS: readonly Mapping[] = [
  { pattern: new RegExp(`^nodepool\\.launch\\.provider\\.([^.]+)\\.([^.]+)\\.${RESULT}$`), name: 'nodepool_launch_provider_az', labels: ['provider', 'az', 'result'] },
  { pattern: new RegExp(`^nodepool\\.launch\\.provider\\.([^.]+)\\.${RESULT}$`), name: 'nodepool_launch_provider', labels: ['provider', 'result'] },
  { pattern: new RegExp(`^nodepool\\.launch\\.requestor\\.([^.]+)\\.${RESULT}$`), name: 'nodepool_launch_requestor', labels: ['requestor', 'result'] },
  { pattern: new RegExp(`^nodepool\\.launch\\.${RESULT}$`), name: 'nodepool_launch', labels: ['result'] },
  { pattern: /^nodepool\.nodes\.([^.]+)$/, name: 'nodepool_nodes', labels: ['state'] },
  { pattern: /^nodepool\.label\.(.+)\.nodes\.([^.]+)$/, name: 'nodepool_label_nodes', labels: ['label', 'state'] },
  { pattern: /^nodepool\.provider\.([^.]+)\.nodes\.([^.]+)$/, name: 'nodepool_provider_nodes', labels: ['provider', 'state'] },
  { pattern: /^nodepool\.provider\.([^.]+)\.max_servers$/, name: 'nodepool_provider_max_servers', labels: ['provider'] },
  { pattern: /^nodepool\.provider\.([^.]+)\.pool\.([^.]+)\.addressable_requests$/, name: 'nodepool_provider_pool_addressable_requests', labels: ['provider', 'pool'] },
  { pattern: /^nodepool\.provider\.([^.]+)\.leaked\.([^.]+)$/, name: 'nodepool_provider_leaked', labels: ['provider', 'type'] },
  { pattern: /^nodepool\.launcher\.(.+)\.zk\.client\.requests\.([^.]+)$/, name: 'nodepool_launcher_zk_requests', labels: ['hostname', 'op'] },
  { pattern: /^nodepool\.unreadable_records\.([^.]+)$/, name: 'nodepool_unreadable_records', labels: ['kind'] },
  { pattern: /^nodepool\.tenant_limits\.([^.]+)\.([^.]+)$/, name: 'nodepool_tenant_limits', labels: ['tenant', 'limit'] },
  { pattern: /^nodepool\.dib_image_build\.([^.]+)\.status\.duration$/, name: 'nodepool_dib_image_build', labels: ['image'] },
  { pattern: /^nodepool\.dib_image_build\.([^.]+)\.status\.rc$/, name: 'nodepool_dib_image_build_rc', labels: ['image'] },
  { pattern: /^nodepool\.dib_image_build\.([^.]+)\.status\.last_build$/, name: 'nodepool_dib_image_build_last_build', labels: ['image'] },
  { pattern: /^nodepool\.dib_image_build\.([^.]+)\.([^.]+)\.size$/, name: 'nodepool_dib_image_build_size_bytes', labels: ['image', 'format'] },
  { pattern: /^nodepool\.image_update\.([^.]+)\.([^.]+)$/, name: 'nodepool_image_update', labels: ['image', 'provider'] },
  { pattern: /^nodepool\.image_build_requests$/, name: 'nodepool_image_build_requests', labels: [] },
  { pattern: /^nodepool\.image\.([^.]+)\.image_build_requests$/, name: 'nodepool_image_build_requests_by_image', labels: ['image'] },
  { pattern: /^nodepool\.builder\.(.+)\.image\.([^.]+)\.build\.state$/, name: 'nodepool_builder_build_state', labels: ['hostname', 'image'] },
  { pattern: /^nodepool\.builder\.(.+)\.image\.([^.]+)\.provider\.([^.]+)\.upload\.state$/, name: 'nodepool_builder_upload_state', labels: ['hostname', 'image', 'provider'] },
];

export interface PrometheusSeries {
  name: string;
  labels: Record<string, string>;
}

/** Maps one statsd key to a Prometheus metric name and labels (before the type suffix). */
export function prometheusSeries(key: string): PrometheusSeries {
  for (const m of MAPPINGS) {
    const match = m.pattern.exec(key);
    if (!match) continue;
    const labels: Record<string, string> = {};
    m.labels.forEach((l, i) => (labels[l] = match[i + 1]));
    return { name: m.name, labels };
  }
  let name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(name)) name = `_${name}`;
  return { name, labels: {} };
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

type Family = { type: 'counter' | 'gauge' | 'summary'; lines: string[] };

/** The registry in Prometheus text format 0.0.4: counters get `_total`, timers become summaries in seconds. */
export function renderPrometheus(registry: MetricsRegistry): string {
  const families = new Map<string, Family>();
  const family = (name: string, type: Family['type']): Family => {
    let f = families.get(name);
    if (!f) {
      f = { type, lines: [] };
      families.set(name, f);
    }
    return f;
  };
  for (const [key, value] of registry.counters) {
    const s = prometheusSeries(key);
    const name = `${s.name}_total`;
    family(name, 'counter').lines.push(`${name}${formatLabels(s.labels)} ${formatNumber(value)}`);
  }
  for (const [key, value] of registry.gauges) {
    const s = prometheusSeries(key);
    family(s.name, 'gauge').lines.push(`${s.name}${formatLabels(s.labels)} ${formatNumber(value)}`);
  }
  for (const [key, t] of registry.timers) {
    const s = prometheusSeries(key);
    const name = `${s.name}_duration_seconds`;
    const f = family(name, 'summary');
    f.lines.push(`${name}_sum${formatLabels(s.labels)} ${formatNumber(t.sumMs / 1000)}`);
    f.lines.push(`${name}_count${formatLabels(s.labels)} ${formatNumber(t.count)}`);
  }
  const out: string[] = [];
  for (const name of [...families.keys()].sort()) {
    const f = families.get(name)!;
    out.push(`# TYPE ${name} ${f.type}`, ...f.lines);
  }
  return out.length ? out.join('\n') + '\n' : '';
}
