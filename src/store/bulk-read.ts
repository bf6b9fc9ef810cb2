// Bulk reads for listings: the same few reads for each of many records (a node's data and its
// lock dir). With a client that has multiRead, the reads of a batch of records travel as one
// request (the server handles one request instead of hundreds), several batches in flight, and
// each batch is decoded as soon as it arrives while the server answers the next. Clients
// without multiRead get the same results from pipelined single reads.
import { ErrorCode, errorFromCode, NoNodeError } from '../zk/errors.ts';
import type { ReadOp, ReadResult, ZkClient } from '../zk/types.ts';
import { mapPipelined } from './zk-helpers.ts';

/** Ops per multiRead request: a few hundred keeps replies small (~1 KB per node record). */
export const BULK_READ_BATCH_OPS = 400;
/** multiRead requests in flight: enough to keep the server busy while one batch is decoded. */
export const BULK_READ_IN_FLIGHT = 4;

/** Builds an item's result from its ops' results (results[offset .. offset + ops - 1]). */
export type BuildFromReads<T, R> = (item: T, results: readonly ReadResult[], offset: number) => R;

/**
 * For each item, runs `opsFor(item)` (the same number of ops for every item) and maps the item
 * with `build`; results keep the input order. Per-op errors reach `build` as `{op: 'error'}`
 * results; a failure of a whole request (connection loss) rejects.
 */
export async function readEach<T, R>(
  client: ZkClient, items: readonly T[], opsFor: (item: T) => ReadOp[], build: BuildFromReads<T, R>,
): Promise<R[]> {
  if (items.length === 0) return [];
  const perItem = opsFor(items[0]).length;
  if (!client.multiRead) {
    return mapPipelined(items, async (item) => build(item, await Promise.all(opsFor(item).map((op) => singleRead(client, op))), 0));
  }
  const multiRead = client.multiRead.bind(client);
  const itemsPerBatch = Math.max(1, Math.floor(BULK_READ_BATCH_OPS / Math.max(1, perItem)));
  const batches: number[] = [];
  for (let start = 0; start < items.length; start += itemsPerBatch) batches.push(start);
  const out = new Array<R>(items.length);
  await mapPipelined(batches, async (start) => {
    const end = Math.min(items.length, start + itemsPerBatch);
    const ops: ReadOp[] = [];
    for (let i = start; i < end; i++) {
      const itemOps = opsFor(items[i]);
      if (itemOps.length !== perItem) throw new TypeError(`readEach: item ${i} has ${itemOps.length} ops, expected ${perItem}`);
      for (const op of itemOps) ops.push(op);
    }
    const results = await multiRead(ops);
    for (let i = start; i < end; i++) out[i] = build(items[i], results, (i - start) * perItem);
  }, BULK_READ_IN_FLIGHT);
  return out;
}

/** One read as a ReadResult; only "no node" becomes a result, other failures reject as before. */
async function singleRead(client: ZkClient, op: ReadOp): Promise<ReadResult> {
  try {
    if (op.op === 'getData') {
      const { data, stat } = await client.getData(op.path);
      return { op: 'getData', data, stat };
    }
    return { op: 'getChildren', children: (await client.getChildren(op.path)).children };
  } catch (err) {
    if (err instanceof NoNodeError) return { op: 'error', code: ErrorCode.NO_NODE, path: op.path };
    throw err;
  }
}

/** The data of a getData result; null when the node is gone; other errors are thrown. */
export function dataOrNull(result: ReadResult): Extract<ReadResult, { op: 'getData' }> | null {
  if (result.op === 'getData') return result;
  if (result.op === 'error' && result.code === ErrorCode.NO_NODE) return null;
  if (result.op === 'error') throw errorFromCode(result.code, result.path);
  throw new TypeError(`expected a getData result, got ${result.op}`);
}

/** The children of a getChildren result; [] when the node is gone; other errors are thrown. */
export function childrenOrNone(result: ReadResult): string[] {
  if (result.op === 'getChildren') return result.children;
  if (result.op === 'error' && result.code === ErrorCode.NO_NODE) return [];
  if (result.op === 'error') throw errorFromCode(result.code, result.path);
  throw new TypeError(`expected a getChildren result, got ${result.op}`);
}
