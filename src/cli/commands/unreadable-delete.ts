// Deleting a record we cannot read (a row `unreadable` in a listing): there is nothing to mark
// `deleting`, so the znode itself goes, and only on the operator's explicit command. What it
// named in the cloud is then a leak, which the launcher's and builder's two-pass leak cleanup
// removes; local files of a build go with their record as usual.
import type { ImageUpload } from '../../model/types.ts';
import type { RecordKind, UnreadableRecord } from '../../store/unreadable-records.ts';
import { CliError } from '../errors.ts';
import type { CliContext } from '../context.ts';
import { NODE_LOCK_TIMEOUT_MS } from './node-lock.ts';

/** The store's note of an unreadable record, after a get* returned null for it. */
export function findUnreadable(ctx: Pick<CliContext, 'store'>, kind: RecordKind, match: (r: UnreadableRecord) => boolean): UnreadableRecord | null {
  return ctx.store.unreadableRecords().find((r) => r.kind === kind && match(r)) ?? null;
}

export async function deleteUnreadableNode(ctx: CliContext, record: UnreadableRecord): Promise<void> {
  const lock = await ctx.store.lockNode(record.id, { blocking: true, timeoutMs: NODE_LOCK_TIMEOUT_MS });
  if (!lock) throw new CliError(`node ${record.id} is locked by another process (waited ${NODE_LOCK_TIMEOUT_MS / 1000} s); nothing changed`);
  try {
    // Re-read under the lock: whoever held it may have rewritten it readable.
    if (await ctx.store.getNode(record.id)) throw new CliError(`node ${record.id} became readable; run the command again`);
    await ctx.store.deleteNodeZnode(record.id);
  } finally {
    await lock.release().catch(() => undefined);
  }
  ctx.io.out(`Removed unreadable node record ${record.id} (${record.reason}); a server it named is removed by the launcher's leaked-server cleanup.`);
}

export async function deleteUnreadableBuild(ctx: CliContext, record: UnreadableRecord): Promise<void> {
  const image = record.image ?? '';
  if (!(await ctx.store.deleteBuild(image, record.id))) {
    throw new CliError(`build ${image}-${record.id} is unreadable and still has upload records; delete those first (image-delete)`);
  }
  ctx.io.out(`Removed unreadable build record ${image}-${record.id} (${record.reason}); its local files are removed by the builder's janitor.`);
}

export async function deleteUnreadableUpload(ctx: CliContext, record: UnreadableRecord): Promise<void> {
  // deleteUpload needs only where the upload is.
  const where = { image: record.image ?? '', build_id: record.buildId ?? '', provider: record.provider ?? '', id: record.id } as ImageUpload;
  await ctx.store.deleteUpload(where);
  ctx.io.out(`Removed unreadable upload record ${record.id} (${record.reason}); its cloud image is removed by the builder's leaked-image cleanup.`);
}
