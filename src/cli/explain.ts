// Why a request is still waiting (beyond upstream: `nodepool why`, `request-list --explain`).
// Pure: combines what the launchers recorded (store explanations) with what can be derived from
// the request and the registered pools.
import type { NodeRequest, PoolComponent, RequestExplanation } from '../model/types.ts';
import { formatAge } from '../status/table.ts';

export interface RequestExplanationInput {
  request: NodeRequest;
  explanations: readonly RequestExplanation[];
  pools: readonly PoolComponent[];
  nowMs: number;
}

function priorityOf(id: string): string {
  return id.length > 3 && id[3] === '-' ? id.slice(0, 3) : '?';
}

function poolName(p: PoolComponent): string {
  return `${p.provider_name}/${p.name} (${p.id})`;
}

/** One headline and indented reasons, ready to print. */
export function explainRequest({ request, explanations, pools, nowMs }: RequestExplanationInput): string[] {
  const r = request;
  const waited = r.created_time != null ? `, waiting ${formatAge(nowMs, Math.trunc(r.created_time))}` : '';
  const head =
    `Request ${r.id} (${r.node_types.join(',') || 'no node types'}; requestor ${r.requestor ?? 'unknown'}; ` +
    `priority ${priorityOf(r.id)}, relative ${r.relative_priority}) is ${r.state}${waited}.`;
  const lines = [head];
  const add = (s: string) => lines.push(`  - ${s}`);

  if (r.state === 'fulfilled') {
    add(`it was fulfilled with node(s) ${r.nodes.join(',') || '(none)'}; the requestor has not collected it yet`);
    return lines;
  }
  if (r.state === 'failed') {
    add(`every registered pool able to serve it declined it (declined by: ${r.declined_by.join(', ') || 'nobody'})`);
  }
  if (r.state === 'pending') {
    add(`a launcher accepted it and is providing nodes (allocated so far: ${r.nodes.join(',') || 'none'})`);
  }

  if (pools.length === 0) add('no launcher pool is registered in ZooKeeper: is nodepool-launcher running?');

  // Labels nobody offers can never be served, whatever else happens.
  const labels = [...new Set(r.node_types)];
  for (const label of labels) {
    if (pools.length > 0 && !pools.some((p) => p.supported_labels.includes(label))) {
      add(`no registered pool supports label "${label}"`);
    }
  }

  const capable = pools.filter((p) => labels.every((l) => p.supported_labels.includes(l)));
  if (pools.length > 0 && labels.length > 1 && capable.length === 0) {
    add(`no single pool supports all of ${labels.join(',')} (a request is served by one pool)`);
  }
  if (r.provider) {
    const preferred = capable.filter((p) => p.provider_name === r.provider);
    add(
      preferred.length
        ? `it prefers provider ${r.provider}; other providers' pools wait their turn`
        : `it prefers provider ${r.provider}, which has no registered pool supporting its labels`,
    );
  }
  if (r.declined_by.length > 0 && r.state !== 'failed') add(`declined by: ${r.declined_by.join(', ')}`);

  for (const p of capable) {
    if (p.paused) add(`pool ${poolName(p)} is paused: it is at quota and finishing the request it holds`);
    if (p.state !== 'running') add(`pool ${poolName(p)} is ${p.state}`);
  }

  const latest = [...explanations].sort((a, b) => b.time - a.time);
  for (const e of latest) {
    add(`pool ${e.provider}/${e.pool} (${e.pool_id}), ${formatAge(nowMs, Math.trunc(e.time))} ago: ${e.reason}`);
  }

  if (r.state === 'requested') {
    const answered = new Set([...r.declined_by, ...explanations.map((e) => e.pool_id)]);
    const silent = capable.filter((p) => !answered.has(p.id));
    if (silent.length > 0) add(`not yet taken up by: ${silent.map(poolName).join(', ')}`);
    if (lines.length === 1) add('no launcher has recorded a reason yet');
  }
  return lines;
}
