// Node JSON exactly as upstream's Node.toDict()/json.dumps writes it.
import type { Node, NodeResources, NodeState } from './types.ts';
import { FieldReader, coerceInt, parseRecord, setOwn } from './fields.ts';
import { asFloat, pyJsonBytes } from './py-json.ts';

export const NODE_STATES: readonly NodeState[] = [
  'init', 'building', 'testing', 'ready', 'in-use', 'used', 'hold',
  'deleting', 'deleted', 'failed', 'aborted',
];

/** Every key upstream's Node.toDict() writes, in its order; anything else lands in `extra`. */
export const NODE_KEYS = [
  'state', 'state_time', 'cloud', 'provider', 'pool', 'type', 'allocated_to', 'az', 'region',
  'public_ipv4', 'private_ipv4', 'public_ipv6', 'host_id', 'interface_ip', 'connection_port',
  'ssh_port', 'image_id', 'launcher', 'created_time', 'external_id', 'hostname', 'comment',
  'user_data', 'hold_job', 'host_keys', 'username', 'connection_type', 'shell_type',
  'hold_expiration', 'resources', 'slot', 'attributes', 'python_path', 'tenant_name',
  'driver_data', 'requestor',
] as const;
const OWNED_KEYS = new Set<string>(NODE_KEYS);

/** The JSON object upstream would write for this node, keys in upstream's order, extra keys last. */
export function nodeToDict(node: Node): Record<string, unknown> {
  const dict: Record<string, unknown> = {
    state: node.state,
    state_time: asFloat(node.state_time),
    cloud: node.cloud,
    provider: node.provider,
    pool: node.pool,
    type: node.type,
    allocated_to: node.allocated_to,
    az: node.az,
    region: node.region,
    public_ipv4: node.public_ipv4,
    private_ipv4: node.private_ipv4,
    public_ipv6: node.public_ipv6,
    host_id: node.host_id,
    interface_ip: node.interface_ip,
    connection_port: node.connection_port,
    // Kept by upstream for old Zuul versions that still read ssh_port.
    ssh_port: node.connection_port,
    image_id: node.image_id,
    launcher: node.launcher,
    created_time: asFloat(node.created_time),
    external_id: node.external_id,
    hostname: node.hostname,
    comment: node.comment,
    user_data: node.user_data ?? null,
    hold_job: node.hold_job,
    host_keys: node.host_keys,
    username: node.username,
    connection_type: node.connection_type,
    shell_type: node.shell_type,
    hold_expiration: node.hold_expiration,
    resources: node.resources,
    slot: node.slot,
    attributes: node.attributes,
    python_path: node.python_path,
    tenant_name: node.tenant_name,
    driver_data: node.driver_data ?? null,
    requestor: node.requestor,
  };
  for (const [key, value] of Object.entries(node.extra ?? {})) {
    if (!OWNED_KEYS.has(key) && value !== undefined) setOwn(dict, key, value);
  }
  return dict;
}

export function encodeNode(node: Node): Buffer {
  return pyJsonBytes(nodeToDict(node));
}

export interface DecodeMeta {
  /** Znode path for error messages; defaults to the id. */
  path?: string;
  /** Znode version (stat.version) to record on the result. */
  version?: number;
}

/** Reads node JSON with upstream's read defaults; throws RecordDecodeError on unusable data. */
export function decodeNode(id: string, data: Buffer | Uint8Array | string, meta: DecodeMeta = {}): Node {
  const path = meta.path ?? id;
  const f = new FieldReader(parseRecord(data, path), path);
  const holdExpiration = f.raw('hold_expiration');
  const extra: Record<string, unknown> = {};
  // for-in (own enumerable keys of a parsed object, in Object.entries' order) allocates no pair
  // per key: a listing decodes every node.
  const record = f.record;
  for (const key in record) {
    if (!OWNED_KEYS.has(key)) setOwn(extra, key, record[key]);
  }
  const node: Node = {
    id,
    state: f.oneOf('state', NODE_STATES),
    state_time: f.number('state_time', 0),
    cloud: f.optString('cloud'),
    provider: f.optString('provider'),
    pool: f.optString('pool'),
    type: f.stringList('type'),
    allocated_to: f.optString('allocated_to'),
    az: f.optString('az'),
    region: f.optString('region'),
    public_ipv4: f.optString('public_ipv4'),
    private_ipv4: f.optString('private_ipv4'),
    public_ipv6: f.optString('public_ipv6'),
    host_id: f.optString('host_id'),
    interface_ip: f.optString('interface_ip'),
    connection_port: f.number('connection_port', f.number('ssh_port', 22)),
    image_id: f.optString('image_id'),
    launcher: f.optString('launcher'),
    created_time: f.optNumber('created_time'),
    external_id: f.optString('external_id'),
    hostname: f.optString('hostname'),
    comment: f.optString('comment'),
    user_data: f.raw('user_data') ?? null,
    hold_job: f.optString('hold_job'),
    host_keys: f.stringList('host_keys'),
    username: f.string('username', 'zuul'),
    connection_type: f.optString('connection_type'),
    shell_type: f.optString('shell_type'),
    hold_expiration: holdExpiration === undefined || holdExpiration === null ? null : coerceInt(holdExpiration),
    resources: f.optObject<NodeResources>('resources'),
    slot: f.optNumber('slot'),
    attributes: f.optObject('attributes'),
    python_path: f.optString('python_path'),
    tenant_name: f.optString('tenant_name'),
    driver_data: f.raw('driver_data') ?? null,
    requestor: f.optString('requestor'),
    extra,
  };
  if (meta.version !== undefined) node.version = meta.version;
  return node;
}
