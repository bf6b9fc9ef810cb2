// `nodepool why REQUEST_ID` (beyond upstream): why one request is still waiting.
import { CliError } from '../errors.ts';
import { explainRequest } from '../explain.ts';
import { requireRequestId } from '../validate.ts';
import type { CliContext } from '../context.ts';
import { escapeControls } from '../../status/table.ts';

export async function runWhy(ctx: CliContext, requestId: string, options: { json?: boolean }): Promise<void> {
  requireRequestId(requestId);
  const request = await ctx.store.getRequest(requestId);
  if (!request) throw new CliError(`request ${requestId} not found (a fulfilled request disappears once its requestor takes the nodes)`);
  const [explanations, pools] = await Promise.all([ctx.store.listExplanations(requestId), ctx.store.listComponents('pool')]);
  const lines = explainRequest({ request, explanations, pools, nowMs: ctx.clock.now() });
  ctx.io.out(options.json ? JSON.stringify({ request_id: requestId, state: request.state, explanation: lines.slice(1), explanations }) : lines.map(escapeControls).join('\n'));
}
