// Small helpers built only on the ZkClient operations, so they work with any implementation.
import { NodeExistsError, NoNodeError, NotEmptyError } from './errors.ts';
import type { ZkClient } from './types.ts';

/** Creates every missing ancestor and the node itself; "already exists" is success. */
export async function mkdirp(client: Pick<ZkClient, 'create'>, path: string): Promise<void> {
  if (path === '/') return;
  // Deepest first: usually only the last level is missing, so this is one request (each create
  // is a write the server logs, even a failed one).
  try {
    await client.create(path);
    return;
  } catch (e) {
    if (e instanceof NodeExistsError) return;
    if (!(e instanceof NoNodeError)) throw e;
  }
  const i = path.lastIndexOf('/');
  await mkdirp(client, i <= 0 ? '/' : path.slice(0, i));
  try {
    await client.create(path);
  } catch (e) {
    if (!(e instanceof NodeExistsError)) throw e;
  }
}

/** Deletes a node and its whole subtree; a missing node is fine. Retries when someone adds a
 *  child while we delete. */
export async function deleteRecursive(client: Pick<ZkClient, 'getChildren' | 'delete'>, path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let children: string[];
    try {
      ({ children } = await client.getChildren(path));
    } catch (e) {
      if (e instanceof NoNodeError) return;
      throw e;
    }
    const base = path === '/' ? '' : path;
    await Promise.all(children.map((c) => deleteRecursive(client, `${base}/${c}`)));
    if (path === '/') return; // the root itself cannot be deleted
    try {
      await client.delete(path);
      return;
    } catch (e) {
      if (e instanceof NoNodeError) return;
      if (e instanceof NotEmptyError && attempt < 10) continue;
      throw e;
    }
  }
}
