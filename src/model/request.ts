// NodeRequest JSON as upstream's NodeRequest.toDict() writes it. Unknown keys are dropped on
// rewrite, as upstream does; requestors keep their own data in the opaque `requestor_data`.
import type { NodeRequest, RequestState } from './types.ts';
import { FieldReader, parseRecord } from './fields.ts';
import { asFloat, pyJsonBytes } from './py-json.ts';
import type { DecodeMeta } from './node.ts';

export const REQUEST_STATES: readonly RequestState[] = ['requested', 'pending', 'fulfilled', 'failed'];

export function requestToDict(request: NodeRequest): Record<string, unknown> {
  return {
    state: request.state,
    state_time: asFloat(request.state_time),
    declined_by: request.declined_by,
    node_types: request.node_types,
    nodes: request.nodes,
    reuse: request.reuse,
    requestor: request.requestor,
    requestor_data: request.requestor_data ?? null,
    provider: request.provider,
    relative_priority: request.relative_priority,
    event_id: request.event_id,
    created_time: asFloat(request.created_time),
    tenant_name: request.tenant_name,
  };
}

export function encodeRequest(request: NodeRequest): Buffer {
  return pyJsonBytes(requestToDict(request));
}

export function decodeRequest(id: string, data: Buffer | Uint8Array | string, meta: DecodeMeta = {}): NodeRequest {
  const path = meta.path ?? id;
  const f = new FieldReader(parseRecord(data, path), path);
  const request: NodeRequest = {
    id,
    state: f.oneOf('state', REQUEST_STATES),
    state_time: f.number('state_time', 0),
    declined_by: f.stringList('declined_by'),
    node_types: f.stringList('node_types'),
    nodes: f.stringList('nodes'),
    reuse: f.boolean('reuse', true),
    requestor: f.optString('requestor'),
    requestor_data: f.raw('requestor_data') ?? null,
    provider: f.optString('provider'),
    relative_priority: f.number('relative_priority', 0),
    event_id: f.optString('event_id'),
    created_time: f.optNumber('created_time'),
    tenant_name: f.optString('tenant_name'),
  };
  if (meta.version !== undefined) request.version = meta.version;
  return request;
}
