// Every ZooKeeper path of the data model shared with upstream and Zuul. Nothing outside
// src/store builds a path; relative to the client's chroot.
import { formatPriority } from '../model/ids.ts';
import type { ComponentKind } from '../model/component.ts';

export const ROOT = '/nodepool';
export const NODE_ROOT = '/nodepool/nodes';
export const REQUEST_ROOT = '/nodepool/requests';
export const REQUEST_LOCK_ROOT = '/nodepool/requests-lock';
export const IMAGE_ROOT = '/nodepool/images';
export const COMPONENT_ROOT = '/nodepool/components';
/** Beyond upstream: per-pool reasons a request waits, for `nodepool why`. */
export const EXPLANATION_ROOT = '/nodepool/explanations';

/** The name every lock directory uses, and a child name every listing must skip. */
export const LOCK = 'lock';

/** A config-supplied name used as one path segment; a '/' would silently change the tree. */
export function segment(kind: string, name: string): string {
  if (typeof name !== 'string' || name === '' || name.includes('/') || name === '.' || name === '..') {
    throw new TypeError(`invalid ${kind} name for a ZooKeeper path: ${JSON.stringify(name)}`);
  }
  return name;
}

export const nodePath = (id: string) => `${NODE_ROOT}/${segment('node id', id)}`;
export const nodeLockPath = (id: string) => `${nodePath(id)}/${LOCK}`;
/** Sequential create under this prefix gives `/nodepool/nodes/<seq10>`. */
export const NODE_SEQUENCE_PREFIX = `${NODE_ROOT}/`;

export const requestPath = (id: string) => `${REQUEST_ROOT}/${segment('request id', id)}`;
export const requestSequencePrefix = (priority: string | number) => `${REQUEST_ROOT}/${formatPriority(priority)}-`;
/** Beyond upstream: one launcher at a time decides min-ready (a lock beside upstream's stats election). */
export const MIN_READY_LOCK = '/nodepool/elections/min-ready';
/** Beyond upstream: one launcher at a time registers a static provider's hosts (no host twice). */
export const staticSyncLockPath = (provider: string) => `/nodepool/elections/static-sync/${segment('provider', provider)}`;
export const requestLockPath = (id: string) => `${REQUEST_LOCK_ROOT}/${segment('request id', id)}`;

export const imagePath = (image: string) => `${IMAGE_ROOT}/${segment('image', image)}`;
export const imagePausePath = (image: string) => `${imagePath(image)}/pause`;
export const imageBuildRequestPath = (image: string) => `${imagePath(image)}/request-build`;
export const buildsPath = (image: string) => `${imagePath(image)}/builds`;
export const buildsLockPath = (image: string) => `${buildsPath(image)}/${LOCK}`;
export const buildPath = (image: string, buildId: string) => `${buildsPath(image)}/${segment('build id', buildId)}`;
export const buildLockPath = (image: string, buildId: string) => `${buildPath(image, buildId)}/${LOCK}`;
export const buildProvidersPath = (image: string, buildId: string) => `${buildPath(image, buildId)}/providers`;
export const uploadsPath = (image: string, buildId: string, provider: string) =>
  `${buildProvidersPath(image, buildId)}/${segment('provider', provider)}/images`;
export const uploadsLockPath = (image: string, buildId: string, provider: string) =>
  `${uploadsPath(image, buildId, provider)}/${LOCK}`;
export const uploadPath = (image: string, buildId: string, provider: string, uploadId: string) =>
  `${uploadsPath(image, buildId, provider)}/${segment('upload id', uploadId)}`;
export const uploadLockPath = (image: string, buildId: string, provider: string, uploadId: string) =>
  `${uploadPath(image, buildId, provider, uploadId)}/${LOCK}`;

export const componentKindPath = (kind: ComponentKind) => `${COMPONENT_ROOT}/${kind}`;
/** Ephemeral sequential create under this prefix gives `<hostname><seq10>`. */
export const componentSequencePrefix = (kind: ComponentKind, hostname: string) =>
  `${componentKindPath(kind)}/${segment('hostname', hostname)}`;

export const explanationsPath = (requestId: string) => `${EXPLANATION_ROOT}/${segment('request id', requestId)}`;
/** Pool ids are free text; encoding keeps them one path segment. */
export const explanationPath = (requestId: string, poolId: string) =>
  `${explanationsPath(requestId)}/${segment('pool id', encodeURIComponent(poolId))}`;

export interface UploadLocation {
  image: string;
  build_id: string;
  provider: string;
  id: string;
}

const UPLOAD_PATH = /^\/nodepool\/images\/([^/]+)\/builds\/([^/]+)\/providers\/([^/]+)\/images\/([^/]+)$/;

/** Parses an upload path (what Node.image_id holds for a built image), or null. */
export function parseUploadPath(path: string): UploadLocation | null {
  const match = UPLOAD_PATH.exec(path);
  if (!match || match[4] === LOCK || match[2] === LOCK) return null;
  return { image: match[1], build_id: match[2], provider: match[3], id: match[4] };
}

/** The last path segment (the id ZooKeeper gave a sequential node). */
export function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
