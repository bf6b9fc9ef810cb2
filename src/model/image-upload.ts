// ImageUpload JSON as upstream's ImageUpload.toDict() writes it. Image, build and provider are
// not in the JSON: they are the znode's path.
import type { ImageUpload, UploadState } from './types.ts';
import { FieldReader, parseRecord } from './fields.ts';
import { asFloat, pyJsonBytes } from './py-json.ts';
import type { DecodeMeta } from './node.ts';
import { LEGACY_PYTHON_PATH } from './image-build.ts';

export const UPLOAD_STATES: readonly UploadState[] = ['uploading', 'ready', 'deleting', 'failed'];

export function uploadToDict(upload: ImageUpload): Record<string, unknown> {
  return {
    state: upload.state,
    state_time: asFloat(upload.state_time),
    external_id: upload.external_id,
    external_name: upload.external_name,
    format: upload.format,
    username: upload.username,
    python_path: upload.python_path,
    shell_type: upload.shell_type,
  };
}

export function encodeImageUpload(upload: ImageUpload): Buffer {
  return pyJsonBytes(uploadToDict(upload));
}

export interface UploadDecodeMeta extends DecodeMeta {
  image: string;
  build_id: string;
  provider: string;
}

export function decodeImageUpload(id: string, data: Buffer | Uint8Array | string, meta: UploadDecodeMeta): ImageUpload {
  const path = meta.path ?? `${meta.image}/${meta.build_id}/${meta.provider}/${id}`;
  const f = new FieldReader(parseRecord(data, path), path);
  const upload: ImageUpload = {
    id,
    image: meta.image,
    build_id: meta.build_id,
    provider: meta.provider,
    state: f.oneOf('state', UPLOAD_STATES),
    state_time: f.number('state_time', 0),
    external_id: f.optString('external_id'),
    external_name: f.optString('external_name'),
    format: f.optString('format'),
    username: f.string('username', 'zuul'),
    python_path: f.string('python_path', LEGACY_PYTHON_PATH),
    shell_type: f.optString('shell_type'),
  };
  if (meta.version !== undefined) upload.version = meta.version;
  return upload;
}
