// Beyond upstream: /nodepool/explanations/<request-id>/<pool-id> says why a pool has not served a
// request yet. Persistent, overwritten per pool, removed with the request.
import type { RequestExplanation } from '../model/types.ts';
import { decodeExplanation, encodeExplanation } from '../model/explanation.ts';
import { NodeExistsError, NoNodeError } from '../zk/errors.ts';
import { CreateMode } from '../zk/types.ts';
import { decodeOrIgnore, type StoreContext } from './context.ts';
import { EXPLANATION_ROOT, explanationPath, explanationsPath, requestPath } from './paths.ts';
import { childrenOrEmpty, createWithParents, getDataOrNull, mapPipelined } from './zk-helpers.ts';

export class ExplanationStore {
  private readonly ctx: StoreContext;
  constructor(ctx: StoreContext) {
    this.ctx = ctx;
  }

  async recordExplanation(explanation: RequestExplanation): Promise<void> {
    const path = explanationPath(explanation.request_id, explanation.pool_id);
    const data = encodeExplanation(explanation);
    try {
      await this.ctx.client.setData(path, data, -1);
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      try {
        await createWithParents(this.ctx.client, path, data, CreateMode.PERSISTENT);
      } catch (createErr) {
        // Another writer for the same pool won the create; last write wins, as for setData.
        if (!(createErr instanceof NodeExistsError)) throw createErr;
        await this.ctx.client.setData(path, data, -1);
      }
    }
  }

  async listExplanations(requestId: string): Promise<RequestExplanation[]> {
    const dir = explanationsPath(requestId);
    const names = (await childrenOrEmpty(this.ctx.client, dir)).sort();
    const found = await mapPipelined(names, async (name) => {
      const path = `${dir}/${name}`;
      const record = await getDataOrNull(this.ctx.client, path);
      return record ? decodeOrIgnore(this.ctx, path, () => decodeExplanation(record.data, path)) : null;
    });
    return found.filter((e): e is RequestExplanation => e !== null).sort((a, b) => (a.pool_id < b.pool_id ? -1 : a.pool_id > b.pool_id ? 1 : 0));
  }

  async deleteExplanations(requestId: string): Promise<void> {
    await this.ctx.client.deleteRecursive(explanationsPath(requestId));
  }

  /** Deletes explanations of requests that no longer exist (a requestor deleted them); returns how many. */
  async pruneExplanations(): Promise<number> {
    const ids = await childrenOrEmpty(this.ctx.client, EXPLANATION_ROOT);
    const gone = await mapPipelined(ids, async (id) => (await this.ctx.client.exists(requestPath(id))) === null);
    const orphans = ids.filter((_, i) => gone[i]);
    await mapPipelined(orphans, (id) => this.deleteExplanations(id));
    return orphans.length;
  }
}
