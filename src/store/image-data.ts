// `nodepool export-image-data` / `import-image-data`, upstream's format: a JSON object
// mapping each ZooKeeper path to its raw data, for pause flags, builds and uploads (no nodes).
import type { ZkClient } from '../zk/types.ts';
import { CreateMode } from '../zk/types.ts';
import { isSequenceId, parseSequence } from '../model/ids.ts';
import * as P from './paths.ts';
import { childrenOrEmpty, createWithParents, getDataOrNull, mapPipelined } from './zk-helpers.ts';

export class ImageDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDataError';
  }
}

const notLock = (name: string) => name !== P.LOCK;

export async function exportImageData(client: ZkClient): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  const images = (await childrenOrEmpty(client, P.IMAGE_ROOT)).sort();
  for (const image of images) {
    if ((await client.exists(P.imagePausePath(image))) !== null) result[P.imagePausePath(image)] = '';
    const buildIds = (await childrenOrEmpty(client, P.buildsPath(image))).filter(notLock).sort();
    const perBuild = await mapPipelined(buildIds, async (buildId) => {
      const entries: [string, string][] = [];
      const build = await getDataOrNull(client, P.buildPath(image, buildId));
      if (!build) return entries;
      entries.push([P.buildPath(image, buildId), build.data.toString('utf8')]);
      const providers = (await childrenOrEmpty(client, P.buildProvidersPath(image, buildId))).sort();
      for (const provider of providers) {
        const uploadIds = (await childrenOrEmpty(client, P.uploadsPath(image, buildId, provider))).filter(notLock).sort();
        const uploads = await mapPipelined(uploadIds, (id) => getDataOrNull(client, P.uploadPath(image, buildId, provider, id)));
        uploadIds.forEach((id, i) => {
          const upload = uploads[i];
          if (upload) entries.push([P.uploadPath(image, buildId, provider, id), upload.data.toString('utf8')]);
        });
      }
      return entries;
    });
    for (const [path, data] of perBuild.flat()) result[path] = data;
  }
  return result;
}

/** Sequence znodes created per round trip batch: the counter is advanced without holding
 *  max(sequence) requests and promises in memory at once. */
export const IMPORT_SEQUENCE_BATCH = 500;
/** A sequence this high in an import file is not from a real export; refuse it. */
export const IMPORT_MAX_SEQUENCE = 1_000_000;

// /nodepool/images/<image>/builds/<build> has 6 segments (split on '/'), an upload 10.
const BUILD_DEPTH = 6;
const UPLOAD_DEPTH = 10;

function checkImportEntries(data: Record<string, string>): void {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ImageDataError('image data must be a JSON object of path -> data');
  }
  for (const [path, value] of Object.entries(data)) {
    if (!path.startsWith(`${P.IMAGE_ROOT}/`)) throw new ImageDataError(`not an image data path: ${path}`);
    if (typeof value !== 'string') throw new ImageDataError(`data for ${path} must be a string`);
    if (path.split('/').some((part, i) => i > 0 && (part === '' || part === '.' || part === '..'))) {
      throw new ImageDataError(`invalid path: ${path}`);
    }
  }
}

/**
 * Writes exported image data back. Meant for a quiescent system (no builder running). ZooKeeper's
 * sequence counter lives in the parent, so for every parent of numbered builds/uploads we first
 * create that many sequence nodes (deleting those not imported): the next sequence the builder
 * gets is then above every imported one.
 */
export async function importImageData(client: ZkClient, data: Record<string, string>): Promise<void> {
  checkImportEntries(data);
  const highest = new Map<string, number>();
  for (const path of Object.keys(data)) {
    const parts = path.split('/');
    if (parts.length !== BUILD_DEPTH && parts.length !== UPLOAD_DEPTH) continue;
    const last = parts[parts.length - 1];
    // Builds are uuid hex nowadays; only legacy numbered ones share a sequence counter.
    if (!isSequenceId(last)) continue;
    const parent = parts.slice(0, -1).join('/');
    highest.set(parent, Math.max(highest.get(parent) ?? 0, parseSequence(last)!));
  }
  for (const [parent, count] of highest) {
    if (count > IMPORT_MAX_SEQUENCE) {
      throw new ImageDataError(`sequence ${count} below ${parent} is above ${IMPORT_MAX_SEQUENCE}; refusing to create that many znodes`);
    }
  }
  for (const [parent, count] of highest) {
    await client.mkdirp(parent);
    for (let done = 0; done < count; done += IMPORT_SEQUENCE_BATCH) {
      const size = Math.min(IMPORT_SEQUENCE_BATCH, count - done);
      // Pipelined: ZooKeeper serves one session's requests in order, so the numbers are consecutive.
      const created = await Promise.all(
        Array.from({ length: size }, () => client.create(`${parent}/`, undefined, CreateMode.PERSISTENT_SEQUENTIAL)),
      );
      await Promise.all(created.filter((path) => !Object.hasOwn(data, path)).map((path) => client.delete(path)));
    }
  }
  // Parents before children, so an upload never creates its build as an empty znode first.
  const paths = Object.keys(data).sort((a, b) => a.split('/').length - b.split('/').length);
  for (const depth of [...new Set(paths.map((p) => p.split('/').length))]) {
    await mapPipelined(paths.filter((p) => p.split('/').length === depth), async (path) => {
      const bytes = Buffer.from(data[path], 'utf8');
      if ((await client.exists(path)) !== null) await client.setData(path, bytes, -1);
      else await createWithParents(client, path, bytes, CreateMode.PERSISTENT);
    });
  }
}
