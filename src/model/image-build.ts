// ImageBuild JSON as upstream's ImageBuild.toDict() writes it: `builder`/`builder_id` only when
// set, `formats` as a sorted comma-joined string and omitted when there are none.
import type { BuildState, ImageBuild } from './types.ts';
import { FieldReader, parseRecord } from './fields.ts';
import { RecordDecodeError } from './errors.ts';
import { isValidFormat } from './names.ts';
import { asFloat, pyJsonBytes } from './py-json.ts';
import type { DecodeMeta } from './node.ts';

export const BUILD_STATES: readonly BuildState[] = ['building', 'ready', 'deleting', 'failed'];

/** Upstream's read default for images built before python_path was recorded. */
export const LEGACY_PYTHON_PATH = '/usr/bin/python2';

export function buildToDict(build: ImageBuild): Record<string, unknown> {
  const dict: Record<string, unknown> = {
    state: build.state,
    state_time: asFloat(build.state_time),
  };
  if (build.builder !== null && build.builder !== undefined) dict.builder = build.builder;
  if (build.builder_id !== null && build.builder_id !== undefined) dict.builder_id = build.builder_id;
  // Upstream's `formats` property returns the list sorted.
  if (build.formats.length > 0) dict.formats = [...build.formats].sort().join(',');
  dict.username = build.username;
  dict.python_path = build.python_path;
  dict.shell_type = build.shell_type;
  return dict;
}

export function encodeImageBuild(build: ImageBuild): Buffer {
  return pyJsonBytes(buildToDict(build));
}

export interface BuildDecodeMeta extends DecodeMeta {
  image: string;
}

export function decodeImageBuild(id: string, data: Buffer | Uint8Array | string, meta: BuildDecodeMeta): ImageBuild {
  const path = meta.path ?? `${meta.image}/${id}`;
  const f = new FieldReader(parseRecord(data, path), path);
  const formatsText = f.optString('formats') ?? '';
  const formats = formatsText === '' ? [] : formatsText.split(',');
  // Formats become file suffixes the janitor deletes: anything but an image type is refused.
  const bad = formats.find((fmt) => !isValidFormat(fmt));
  if (bad !== undefined) throw new RecordDecodeError(path, `field "formats": ${JSON.stringify(bad.slice(0, 64))} is not a disk image format`);
  const build: ImageBuild = {
    id,
    image: meta.image,
    state: f.oneOf('state', BUILD_STATES),
    state_time: f.number('state_time', 0),
    builder: f.optString('builder'),
    builder_id: f.optString('builder_id'),
    formats,
    username: f.string('username', 'zuul'),
    python_path: f.string('python_path', LEGACY_PYTHON_PATH),
    shell_type: f.optString('shell_type'),
  };
  if (meta.version !== undefined) build.version = meta.version;
  return build;
}
