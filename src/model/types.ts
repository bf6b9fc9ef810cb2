// The records Zuul and upstream Nodepool share through ZooKeeper (upstream's toDict() JSON).
// Field names are the JSON keys; serialisation order lives in the per-record codec files.

export type NodeState =
  | 'init' | 'building' | 'testing' | 'ready' | 'in-use' | 'used' | 'hold'
  | 'deleting' | 'deleted' | 'failed' | 'aborted';
export type RequestState = 'requested' | 'pending' | 'fulfilled' | 'failed';
export type BuildState = 'building' | 'ready' | 'deleting' | 'failed';
export type UploadState = 'uploading' | 'ready' | 'deleting' | 'failed';
export type ComponentState = 'initializing' | 'running' | 'paused' | 'stopped';
/** A component state a newer writer added: kept verbatim (no decision of ours reads a component's state). */
export type ForeignComponentState = string & { readonly foreignState?: never };

export interface NodeResources {
  cores: number;
  instances: number;
  ram: number;
  volumes?: number;
  'volume-gb'?: number;
  [key: string]: number | undefined;
}

export interface Node {
  /** The znode name (`<seq10>`); not part of the JSON nodepool writes. */
  id: string;
  state: NodeState;
  state_time: number;
  cloud: string | null;
  provider: string | null;
  pool: string | null;
  type: string[];
  allocated_to: string | null;
  az: string | null;
  region: string | null;
  public_ipv4: string | null;
  private_ipv4: string | null;
  public_ipv6: string | null;
  host_id: string | null;
  interface_ip: string | null;
  connection_port: number;
  image_id: string | null;
  launcher: string | null;
  created_time: number | null;
  external_id: string | null;
  hostname: string | null;
  comment: string | null;
  user_data: unknown;
  hold_job: string | null;
  host_keys: string[];
  username: string;
  connection_type: string | null;
  shell_type: string | null;
  hold_expiration: number | null;
  resources: NodeResources | null;
  slot: number | null;
  attributes: Record<string, unknown> | null;
  python_path: string | null;
  tenant_name: string | null;
  driver_data: unknown;
  requestor: string | null;
  /** Keys found in ZooKeeper that this daemon does not own (Zuul's `id`, newer fields); written back untouched. */
  extra: Record<string, unknown>;
  /** znode version at read time, for versioned writes; undefined for a new node. */
  version?: number;
}

export interface NodeRequest {
  /** `<PPP>-<seq10>`; the prefix is the priority. */
  id: string;
  state: RequestState;
  state_time: number;
  declined_by: string[];
  node_types: string[];
  nodes: string[];
  reuse: boolean;
  requestor: string | null;
  requestor_data: unknown;
  provider: string | null;
  relative_priority: number;
  event_id: string | null;
  created_time: number | null;
  tenant_name: string | null;
  version?: number;
}

export interface ImageBuild {
  /** uuid4 hex (or legacy `<seq10>`). */
  id: string;
  image: string;
  state: BuildState;
  state_time: number;
  builder: string | null;
  builder_id: string | null;
  /** Written as a comma-joined string; omitted when empty. */
  formats: string[];
  username: string;
  python_path: string;
  shell_type: string | null;
  version?: number;
}

export interface ImageUpload {
  /** `<seq10>` */
  id: string;
  image: string;
  build_id: string;
  provider: string;
  state: UploadState;
  state_time: number;
  external_id: string | null;
  external_name: string | null;
  format: string | null;
  username: string;
  python_path: string;
  shell_type: string | null;
  version?: number;
}

export interface ComponentBase {
  hostname: string;
  model_api: number;
  state: ComponentState | ForeignComponentState;
  version: string;
}
export interface LauncherComponent extends ComponentBase { kind: 'launcher' }
export interface BuilderComponent extends ComponentBase { kind: 'builder' }
export interface PoolComponent extends ComponentBase {
  kind: 'pool';
  id: string;
  name: string;
  paused: boolean;
  priority: number;
  provider_name: string;
  supported_labels: string[];
}
export type Component = LauncherComponent | BuilderComponent | PoolComponent;

/** Beyond upstream: why a pool has not served a request (for `nodepool why`). */
export interface RequestExplanation {
  request_id: string;
  pool_id: string;
  provider: string;
  pool: string;
  /** e.g. "declined: images are not available", "deferred: max-servers reached". */
  reason: string;
  time: number;
}
