// `nodepool import-image-data FILE`: restore what export-image-data wrote.
import { readFile } from 'node:fs/promises';
import { CliError } from '../errors.ts';
import type { CliContext } from '../context.ts';

/** The file must be a JSON object of ZooKeeper path → string data, as export-image-data writes it. */
export function parseImageData(text: string, path: string): Record<string, string> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path} is not JSON: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new CliError(`${path} must hold a JSON object of path → data`);
  for (const [key, value] of Object.entries(data)) {
    if (!key.startsWith('/nodepool/images/')) throw new CliError(`${path}: ${key} is not an image data path`);
    if (typeof value !== 'string') throw new CliError(`${path}: the data of ${key} must be a string`);
  }
  return data as Record<string, string>;
}

export async function runImportImageData(ctx: CliContext, path: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const data = parseImageData(text, path);
  try {
    await ctx.store.importImageData(data);
  } catch (err) {
    throw new CliError(`import failed: ${(err as Error).message}`);
  }
}
