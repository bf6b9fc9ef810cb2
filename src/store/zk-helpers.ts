// Small ZooKeeper idioms the stores share: "missing is fine" reads and deletes, and pipelined
// reads (many requests in flight on the one connection instead of one round trip per record).
import { NoNodeError, NodeExistsError } from '../zk/errors.ts';
import type { CreateMode, Stat, ZkClient } from '../zk/types.ts';

export async function getDataOrNull(client: ZkClient, path: string): Promise<{ data: Buffer; stat: Stat } | null> {
  try {
    return await client.getData(path);
  } catch (err) {
    if (err instanceof NoNodeError) return null;
    throw err;
  }
}

export async function childrenOrEmpty(client: ZkClient, path: string): Promise<string[]> {
  try {
    return (await client.getChildren(path)).children;
  } catch (err) {
    if (err instanceof NoNodeError) return [];
    throw err;
  }
}

export async function deleteIfExists(client: ZkClient, path: string, version = -1): Promise<void> {
  try {
    await client.delete(path, version);
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
  }
}

export async function createIfMissing(client: ZkClient, path: string): Promise<void> {
  try {
    await client.create(path);
  } catch (err) {
    if (err instanceof NodeExistsError) return;
    if (err instanceof NoNodeError) {
      await client.mkdirp(path);
      return;
    }
    throw err;
  }
}

/** create(), creating missing parents first when ZooKeeper says they are missing. */
export async function createWithParents(
  client: ZkClient, path: string, data: Buffer | undefined, mode: CreateMode,
): Promise<{ path: string; stat: Stat }> {
  try {
    return await client.create2(path, data, mode);
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
    await client.mkdirp(path.slice(0, path.lastIndexOf('/')) || '/');
    return client.create2(path, data, mode);
  }
}

/** How many reads one listing keeps in flight; bounds memory while hiding round-trip latency. */
export const READ_PIPELINE_DEPTH = 512;

/** Maps every item through `fn` with up to `depth` calls in flight; results keep input order. */
export async function mapPipelined<T, R>(
  items: readonly T[], fn: (item: T, index: number) => Promise<R>, depth = READ_PIPELINE_DEPTH,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(depth, items.length) }, worker));
  return results;
}
