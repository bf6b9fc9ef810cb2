// `nodepool export-image-data FILE`: back up pause flags, builds and uploads (file mode 0600).
import { writeFile, chmod } from 'node:fs/promises';
import { CliError } from '../errors.ts';
import type { CliContext } from '../context.ts';

export async function runExportImageData(ctx: CliContext, path: string): Promise<void> {
  const data = await ctx.store.exportImageData();
  try {
    await writeFile(path, JSON.stringify(data), { mode: 0o600 });
    await chmod(path, 0o600); // an existing file keeps its old mode otherwise
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
