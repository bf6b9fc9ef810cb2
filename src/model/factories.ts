// New records with upstream's defaults, so callers only name what they know.
import { randomUUID } from 'node:crypto';
import type { ImageBuild, ImageUpload, Node, NodeRequest } from './types.ts';

export type NodeFields = Omit<Node, 'id' | 'version'>;
export type RequestFields = Omit<NodeRequest, 'id' | 'version'>;
export type BuildFields = Omit<ImageBuild, 'id' | 'version'>;
export type UploadFields = Omit<ImageUpload, 'id' | 'version'>;

/** uuid4 hex, the form upstream uses for event ids and build ids. */
export function uuidHex(): string {
  return randomUUID().replaceAll('-', '');
}

/** A node not yet stored; `nowMs` is the clock's epoch milliseconds. */
export function newNode(partial: Partial<NodeFields>, nowMs: number): NodeFields {
  const now = nowMs / 1000;
  return {
    state: 'init',
    state_time: now,
    cloud: null,
    provider: null,
    pool: null,
    type: [],
    allocated_to: null,
    az: null,
    region: null,
    public_ipv4: null,
    private_ipv4: null,
    public_ipv6: null,
    host_id: null,
    interface_ip: null,
    connection_port: 22,
    image_id: null,
    launcher: null,
    created_time: partial.state_time ?? now,
    external_id: null,
    hostname: null,
    comment: null,
    user_data: null,
    hold_job: null,
    host_keys: [],
    username: 'zuul',
    connection_type: null,
    shell_type: null,
    hold_expiration: null,
    resources: null,
    slot: null,
    attributes: null,
    python_path: null,
    tenant_name: null,
    driver_data: null,
    requestor: null,
    extra: {},
    ...partial,
  };
}

/** A request not yet submitted; an event id is generated as upstream does for its own requests. */
export function newRequest(partial: Partial<RequestFields>, nowMs: number): RequestFields {
  const now = nowMs / 1000;
  return {
    state: 'requested',
    state_time: now,
    declined_by: [],
    node_types: [],
    nodes: [],
    reuse: true,
    requestor: null,
    requestor_data: null,
    provider: null,
    relative_priority: 0,
    event_id: uuidHex(),
    created_time: now,
    tenant_name: null,
    ...partial,
  };
}

export function newImageBuild(partial: Partial<BuildFields> & { image: string }, nowMs: number): BuildFields {
  return {
    state: 'building',
    state_time: nowMs / 1000,
    builder: null,
    builder_id: null,
    formats: [],
    username: 'zuul',
    python_path: 'auto',
    shell_type: null,
    ...partial,
  };
}

export function newImageUpload(
  partial: Partial<UploadFields> & { image: string; build_id: string; provider: string },
  nowMs: number,
): UploadFields {
  return {
    state: 'uploading',
    state_time: nowMs / 1000,
    external_id: null,
    external_name: null,
    format: null,
    username: 'zuul',
    python_path: 'auto',
    shell_type: null,
    ...partial,
  };
}
