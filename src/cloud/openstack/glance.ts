// Glance v2: create, streamed upload, wait for active, list, delete.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Clock } from '../../util/clock.ts';
import { CloudTimeoutError, NotFoundError, TerminalError } from '../errors.ts';
import type { OpenStackSession } from './session.ts';

export interface GlanceImage {
  id: string;
  name: string | null;
  status: string;
  [key: string]: unknown;
}

/** Keys of Glance's image schema; everything else on an image is a user property. */
const CORE_IMAGE_KEYS = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'checksum', 'os_hash_algo', 'os_hash_value', 'owner',
  'size', 'virtual_size', 'min_ram', 'min_disk', 'disk_format', 'container_format', 'created_at',
  'updated_at', 'tags', 'self', 'file', 'schema', 'direct_url', 'locations', 'os_hidden', 'stores',
]);

/** The image's user properties (string values only), e.g. nodepool_build_id. */
export function imageProperties(image: GlanceImage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(image)) {
    if (!CORE_IMAGE_KEYS.has(k) && typeof v === 'string') out[k] = v;
  }
  return out;
}

export interface CreateImageRequest {
  name: string;
  diskFormat: string;
  /** Top-level string properties. */
  properties: Record<string, string>;
  md5?: string;
  sha256?: string;
}

/** The POST /v2/images body (pure). */
export function createImageBody(r: CreateImageRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.properties)) {
    if (!CORE_IMAGE_KEYS.has(k)) body[k] = String(v);
  }
  // openstacksdk records the checksums it was given so an identical re-upload can be skipped.
  if (r.md5) body['owner_specified.openstack.md5'] = r.md5;
  if (r.sha256) body['owner_specified.openstack.sha256'] = r.sha256;
  if (r.md5 || r.sha256) body['owner_specified.openstack.object'] = `images/${r.name}`;
  return { ...body, name: r.name, disk_format: r.diskFormat, container_format: 'bare', visibility: 'private' };
}

export class GlanceClient {
  private readonly session: OpenStackSession;
  private readonly clock: Clock;
  /** How often wait-for-active looks. */
  pollIntervalMs = 1000;
  /** Read size of the upload stream; memory in flight stays a small multiple of it. */
  uploadChunkBytes = 256 * 1024;

  constructor(session: OpenStackSession, clock: Clock) {
    this.session = session;
    this.clock = clock;
  }

  async createImage(r: CreateImageRequest, signal?: AbortSignal): Promise<GlanceImage> {
    const res = await this.session.call('image', 'POST', 'images', { json: createImageBody(r), signal });
    return res.body as GlanceImage;
  }

  /**
   * PUT the file as the image data, streamed from disk with an explicit Content-Length: memory
   * stays constant whatever the size. Not retried (the stream is one-shot; the caller restarts).
   */
  async uploadData(imageId: string, filePath: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    const { size } = await stat(filePath);
    await this.session.call('image', 'PUT', `images/${encodeURIComponent(imageId)}/file`, {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: () => createReadStream(filePath, { highWaterMark: this.uploadChunkBytes }),
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? 3_600_000,
      retry: false,
    });
  }

  async getImage(id: string, signal?: AbortSignal): Promise<GlanceImage | null> {
    try {
      const res = await this.session.call('image', 'GET', `images/${encodeURIComponent(id)}`, { signal });
      return res.body as GlanceImage;
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  /** Polls until active; killed, deleted or vanished images fail; the signal bounds the wait. */
  async waitForActive(id: string, signal?: AbortSignal): Promise<GlanceImage> {
    for (;;) {
      if (signal?.aborted) throw new CloudTimeoutError(`image ${id} did not become active in time`, { service: 'image' });
      const image = await this.getImage(id, signal);
      if (!image) throw new TerminalError(`image ${id} disappeared while waiting for it to become active`, { service: 'image' });
      if (image.status === 'active') return image;
      if (image.status === 'killed' || image.status === 'deleted') {
        throw new TerminalError(`image ${id} went ${image.status} after upload`, { service: 'image' });
      }
      try {
        await this.clock.sleep(this.pollIntervalMs, signal);
      } catch {
        throw new CloudTimeoutError(`image ${id} did not become active in time (status ${image.status})`, { service: 'image' });
      }
    }
  }

  /** Every image matching the filters (name, status, or any user property), following `next`. */
  async listImages(filters: Record<string, string> = {}): Promise<GlanceImage[]> {
    return this.session.listAll<GlanceImage>('image', 'images', 'images', { limit: 1000, ...filters });
  }

  /** false when already gone. */
  async deleteImage(id: string): Promise<boolean> {
    try {
      await this.session.call('image', 'DELETE', `images/${encodeURIComponent(id)}`);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }
}
