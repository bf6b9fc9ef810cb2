// `nodepool request-list [--explain] [--json]`: the request table; --explain adds why each
// unfinished request waits (a block per request after the table, or an `explanation` list in JSON).
import { collectRequestList } from '../../status/collect.ts';
import { renderStatusText } from '../../status/listings.ts';
import { explainRequest } from '../explain.ts';
import { printListing } from '../output.ts';
import type { CliContext } from '../context.ts';

export async function runRequestList(ctx: CliContext, options: { explain?: boolean; json?: boolean }): Promise<void> {
  const table = await collectRequestList(ctx.store);
  if (!options.explain) return printListing(ctx, table, options);

  const [requests, pools] = await Promise.all([ctx.store.listRequests(), ctx.store.listComponents('pool')]);
  const byId = new Map(requests.map((r) => [r.id, r]));
  const now = ctx.clock.now();
  const explained = new Map<string, string[]>();
  for (const row of table.rows) {
    const request = byId.get(row.id as string);
    if (!request || request.state === 'fulfilled') continue;
    const explanations = await ctx.store.listExplanations(request.id);
    explained.set(request.id, explainRequest({ request, explanations, pools, nowMs: now }));
  }
  if (options.json) {
    const rows = table.rows.map((row) => ({ ...row, explanation: explained.get(row.id as string) ?? [] }));
    ctx.io.out(JSON.stringify(rows));
    return;
  }
  const blocks = [...explained.values()].map((lines) => lines.join('\n'));
  ctx.io.out([renderStatusText(table, now), ...blocks].join('\n\n'));
}
