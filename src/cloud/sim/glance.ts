// Glance v2 images: create, streamed upload to the state dir, list/filter/paginate, show, patch, delete.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, statSync, rmSync } from 'node:fs';
import type { SimCloud } from './cloud.ts';
import { HttpError, readJson, sendEmpty, sendJson, paginate, type RequestContext } from './http.ts';
import { route, type Route } from './router.ts';
import { receiveImageData } from './glance-upload.ts';
import type { ImageRecord } from './types.ts';

const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'];
const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];
const READ_ONLY = ['status', 'size', 'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value', 'created_at', 'updated_at', 'file', 'self', 'schema', 'direct_url', 'locations', 'owner'];
const CORE = ['id', 'name', 'visibility', 'protected', 'disk_format', 'container_format', 'min_disk', 'min_ram', 'tags', 'os_hidden'];

export function glanceVersions(ctx: RequestContext) {
  const versions = ['2.15', '2.14', '2.13', '2.12', '2.11', '2.10', '2.9', '2.8', '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'];
  return {
    versions: versions.map((v, i) => ({ id: `v${v}`, status: i === 0 ? 'CURRENT' : 'SUPPORTED', links: [{ rel: 'self', href: `${ctx.rootUrl}/image/v2/` }] })),
  };
}

export function glanceRoutes(sim: SimCloud): Route[] {
  return [
    route('GET', '', (ctx) => sendJson(ctx, 300, glanceVersions(ctx))),
    route('GET', '/versions', (ctx) => sendJson(ctx, 200, glanceVersions(ctx))),
    route('POST', '/v2/images', (ctx) => createImage(sim, ctx)),
    route('GET', '/v2/images', (ctx) => listImages(sim, ctx)),
    route('GET', '/v2/images/:id', (ctx, [id]) => sendJson(ctx, 200, imageView(findImage(sim, ctx, id)))),
    route('PATCH', '/v2/images/:id', (ctx, [id]) => patchImage(sim, ctx, id)),
    route('DELETE', '/v2/images/:id', (ctx, [id]) => deleteImage(sim, ctx, id)),
    route('PUT', '/v2/images/:id/file', (ctx, [id]) => uploadImage(sim, ctx, id)),
    route('GET', '/v2/images/:id/file', (ctx, [id]) => downloadImage(sim, ctx, id)),
    route('GET', '/v2/schemas/image', (ctx) => sendJson(ctx, 200, { name: 'image', properties: {}, additionalProperties: { type: 'string' } })),
  ];
}

function glanceTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function imageView(img: ImageRecord): Record<string, unknown> {
  return {
    ...img.properties,
    id: img.id,
    name: img.name,
    status: img.status,
    visibility: img.visibility,
    protected: img.protected,
    os_hidden: false,
    disk_format: img.diskFormat,
    container_format: img.containerFormat,
    size: img.size,
    virtual_size: null,
    checksum: img.checksum,
    os_hash_algo: img.osHashAlgo,
    os_hash_value: img.osHashValue,
    min_disk: img.minDisk,
    min_ram: img.minRam,
    owner: img.owner,
    tags: img.tags,
    created_at: glanceTime(img.createdAt),
    updated_at: glanceTime(img.updatedAt),
    self: `/v2/images/${img.id}`,
    file: `/v2/images/${img.id}/file`,
    schema: '/v2/schemas/image',
  };
}

function findImage(sim: SimCloud, ctx: RequestContext, id: string): ImageRecord {
  const img = sim.data.images[id];
  if (!img || img.status === 'deleted' || (img.visibility === 'private' && img.owner !== ctx.token!.projectId)) {
    throw new HttpError(404, `No image found with ID ${id}`);
  }
  return img;
}

function applyCoreField(img: ImageRecord, key: string, value: unknown): void {
  const bad = () => new HttpError(400, `Invalid value for ${key}: ${JSON.stringify(value)}`);
  switch (key) {
    case 'name':
      if (value !== null && typeof value !== 'string') throw bad();
      img.name = value as string | null;
      return;
    case 'visibility':
      if (!['public', 'private', 'shared', 'community'].includes(value as string)) throw bad();
      img.visibility = value as string;
      return;
    case 'protected':
      if (typeof value !== 'boolean') throw bad();
      img.protected = value;
      return;
    case 'disk_format':
      if (!DISK_FORMATS.includes(value as string)) throw new HttpError(400, `Invalid disk format '${String(value)}' for image.`);
      img.diskFormat = value as string;
      return;
    case 'container_format':
      if (!CONTAINER_FORMATS.includes(value as string)) throw new HttpError(400, `Invalid container format '${String(value)}' for image.`);
      img.containerFormat = value as string;
      return;
    case 'min_disk':
    case 'min_ram':
      if (!Number.isInteger(value) || (value as number) < 0) throw bad();
      if (key === 'min_disk') img.minDisk = value as number;
      else img.minRam = value as number;
      return;
    case 'tags':
      if (!Array.isArray(value) || !value.every((t) => typeof t === 'string')) throw bad();
      img.tags = value as string[];
      return;
    case 'os_hidden':
      return;
    default:
      if (READ_ONLY.includes(key)) throw new HttpError(403, `Attribute '${key}' is read-only.`);
      if (typeof value !== 'string') throw new HttpError(400, `Provided object does not match schema 'image': ${JSON.stringify(value)} is not of type 'string'`);
      img.properties[key] = value;
  }
}

async function createImage(sim: SimCloud, ctx: RequestContext): Promise<void> {
  const body = await readJson(ctx);
  const now = sim.now();
  const id = typeof body.id === 'string' ? body.id : randomUUID();
  if (sim.data.images[id]) throw new HttpError(409, `Image with identifier ${id} already exists!`);
  const img: ImageRecord = {
    id,
    name: null,
    status: 'queued',
    visibility: 'shared',
    diskFormat: null,
    containerFormat: null,
    size: null,
    checksum: null,
    sha256: null,
    osHashAlgo: null,
    osHashValue: null,
    minDisk: 0,
    minRam: 0,
    owner: ctx.token!.projectId,
    protected: false,
    tags: [],
    properties: {},
    createdAt: now,
    updatedAt: now,
  };
  for (const [key, value] of Object.entries(body)) {
    if (key === 'id') continue;
    applyCoreField(img, key, value);
  }
  sim.data.images[id] = img;
  sim.changed();
  const f = sim.faults;
  if (f.stalledImageCreates && f.stalledImageCreates > 0) {
    // The image exists but its id never reaches the client: the request hangs until the client gives up.
    f.stalledImageCreates -= 1;
    sim.changed();
    if (!ctx.res.destroyed) await once(ctx.res, 'close');
    return;
  }
  sendJson(ctx, 201, imageView(img), { Location: `${ctx.rootUrl}/image/v2/images/${id}` });
}

function listImages(sim: SimCloud, ctx: RequestContext): void {
  const q = ctx.query;
  const special = new Set(['limit', 'marker', 'sort_key', 'sort_dir', 'sort', 'member_status']);
  let images = Object.values(sim.data.images).filter(
    (i) => i.status !== 'deleted' && (i.visibility !== 'private' || i.owner === ctx.token!.projectId),
  );
  for (const [key, value] of q) {
    if (special.has(key)) continue;
    images = images.filter((img) => {
      const view = imageView(img);
      if (key === 'tag') return img.tags.includes(value);
      const actual = view[key];
      return actual !== undefined && actual !== null && String(actual) === value;
    });
  }
  const sortKey = q.get('sort_key') ?? 'created_at';
  const asc = q.get('sort_dir') === 'asc';
  images.sort((a, b) => {
    const va = String(imageView(a)[sortKey] ?? '');
    const vb = String(imageView(b)[sortKey] ?? '');
    const c = va < vb ? -1 : va > vb ? 1 : a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1);
    return asc ? c : -c;
  });
  // Glance pages by 25 unless asked otherwise (limit_param_default), at most 1000.
  const query = new URLSearchParams(q);
  if (!query.has('limit')) query.set('limit', '25');
  const { page, full } = paginate(images, (i) => i.id, query, 1000, (m) => new HttpError(400, `Invalid marker. Image ${m} could not be found.`));
  const body: Record<string, unknown> = { images: page.map(imageView), first: `/v2/images`, schema: '/v2/schemas/images' };
  if (full) {
    const next = new URLSearchParams(q);
    next.set('marker', page[page.length - 1].id);
    body.next = `/v2/images?${next.toString()}`;
  }
  sendJson(ctx, 200, body);
}

async function patchImage(sim: SimCloud, ctx: RequestContext, id: string): Promise<void> {
  const img = findImage(sim, ctx, id);
  const type = ctx.req.headers['content-type'] ?? '';
  if (!type.startsWith('application/openstack-images-v2.1-json-patch')) {
    throw new HttpError(415, `Unsupported Content-Type ${type}`);
  }
  const chunks: Buffer[] = [];
  for await (const c of ctx.req) chunks.push(c as Buffer);
  let ops: unknown;
  try {
    ops = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'Malformed JSON in request body.');
  }
  if (!Array.isArray(ops)) throw new HttpError(400, 'Request body must be a JSON array of operation objects.');
  for (const raw of ops) {
    const op = raw as { op?: string; path?: string; value?: unknown };
    const key = typeof op.path === 'string' ? op.path.replace(/^\//, '').replace(/~1/g, '/').replace(/~0/g, '~') : '';
    if (!key) throw new HttpError(400, 'Invalid JSON pointer for this resource');
    if (op.op === 'add' || op.op === 'replace') applyCoreField(img, key, op.value);
    else if (op.op === 'remove') {
      if (!(key in img.properties)) throw new HttpError(409, `Property ${key} does not exist.`);
      delete img.properties[key];
    } else throw new HttpError(400, `Operation objects must contain exactly one member named "add", "remove", or "replace".`);
  }
  img.updatedAt = sim.now();
  sim.changed();
  sendJson(ctx, 200, imageView(img));
}

function deleteImage(sim: SimCloud, ctx: RequestContext, id: string): void {
  const img = findImage(sim, ctx, id);
  if (img.protected) throw new HttpError(403, `Image ${id} is protected and cannot be deleted.`);
  delete sim.data.images[id];
  rmSync(sim.store.imagePath(id), { force: true });
  sim.changed();
  sendEmpty(ctx, 204);
}

async function uploadImage(sim: SimCloud, ctx: RequestContext, id: string): Promise<void> {
  const img = findImage(sim, ctx, id);
  if (img.status !== 'queued') throw new HttpError(409, `Image status transition from ${img.status} to saving is not allowed`);
  if (!img.diskFormat || !img.containerFormat) throw new HttpError(400, 'Properties disk_format, container_format must be set prior to saving data.');
  img.status = 'saving';
  img.updatedAt = sim.now();
  sim.changed();
  try {
    const result = await receiveImageData(ctx.req, sim.store.imagePath(id), sim.faults.uploadBytesPerSecond ?? 0, sim.config.imageHashAlgorithm === 'sha512');
    img.size = result.size;
    img.checksum = result.md5;
    img.sha256 = result.sha256;
    img.osHashAlgo = sim.config.imageHashAlgorithm;
    img.osHashValue = result.sha512 ?? result.sha256;
    img.status = 'active';
  } catch (err) {
    // Glance puts a failed upload back to queued so the client can retry.
    img.status = 'queued';
    throw new HttpError(400, `Upload failed: ${(err as Error).message}`);
  } finally {
    img.updatedAt = sim.now();
    sim.changed();
  }
  sendEmpty(ctx, 204);
}

function downloadImage(sim: SimCloud, ctx: RequestContext, id: string): void {
  const img = findImage(sim, ctx, id);
  if (img.status !== 'active') {
    sendEmpty(ctx, 204);
    return;
  }
  const path = sim.store.imagePath(id);
  const size = statSync(path).size;
  ctx.res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': size, 'Content-MD5': img.checksum ?? '' });
  createReadStream(path).pipe(ctx.res);
}
