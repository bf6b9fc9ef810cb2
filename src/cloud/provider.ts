// The small interface the launcher and builder use; OpenStack is one implementation.
import type { PoolLabelConfig, PoolConfig } from '../config/model.ts';

export interface ServerAddresses {
  publicIpv4: string | null;
  privateIpv4: string | null;
  publicIpv6: string | null;
  /** The address nodepool connects to. */
  interfaceIp: string | null;
}

export interface ServerInfo extends ServerAddresses {
  externalId: string;
  name: string;
  /** Nova status: BUILD, ACTIVE, ERROR, DELETED, ... */
  status: string;
  metadata: Record<string, string>;
  az: string | null;
  region: string | null;
  hostId: string | null;
  /** Fault message when status is ERROR. */
  fault: string | null;
  /** Resources the server uses, for unmanaged-usage quota accounting. */
  cores: number;
  ram: number;
}

export interface CreateServerSpec {
  /** `np<node id>`: server name and hostname. */
  hostname: string;
  label: PoolLabelConfig;
  pool: PoolConfig;
  /** Cloud image id (upload external_id) for diskimages, or the cloud-image's id/name. */
  imageId: string | null;
  imageName: string | null;
  az: string | null;
  /** Nova metadata: groups, nodepool_node_id, nodepool_pool_name, nodepool_provider_name, instance properties. */
  metadata: Record<string, string>;
  configDrive: boolean | null;
}

/** Polled with advance() until complete; each call does at most one step of cloud work. */
export interface CreateStateMachine {
  /** e.g. "start", "creating server", "creating floating ip", "complete". */
  readonly state: string;
  readonly complete: boolean;
  /** Known once the server was submitted, so a failed create can still be deleted. */
  readonly externalId: string | null;
  /** Resolves with the server once complete, else null. Throws QuotaError / TransientError / TerminalError. */
  advance(): Promise<ServerInfo | null>;
}

export interface DeleteStateMachine {
  readonly state: string;
  readonly complete: boolean;
  advance(): Promise<void>;
}

export interface QuotaLimits {
  cores: number;
  instances: number;
  ram: number;
  [key: string]: number;
}

export interface FlavorInfo {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
}

export interface CloudImage {
  id: string;
  name: string;
  status: string;
  metadata: Record<string, string>;
}

export interface UploadImageSpec {
  name: string;
  filePath: string;
  /** disk_format: qcow2, raw, vhd, ... */
  format: string;
  /** Stored as image properties (nodepool_build_id, nodepool_upload_id, nodepool_provider_name, meta). */
  metadata: Record<string, string>;
  md5?: string;
  sha256?: string;
  signal?: AbortSignal;
}

/** A block-storage volume: its size and the servers it is attached to. */
export interface VolumeInfo { id: string; sizeGb: number; attachedTo: string[] }

export interface FloatingIpInfo { id: string; address: string; portId: string | null; status: string }
export interface PortInfo { id: string; status: string; deviceOwner: string; deviceId: string }

export interface CloudProvider {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;

  createServer(spec: CreateServerSpec): CreateStateMachine;
  /** Deletes the server and its floating IPs; completes when the server is gone. */
  deleteServer(externalId: string): DeleteStateMachine;
  /** Finds a server by exact name (idempotent create after a crash). */
  findServerByName(name: string): Promise<ServerInfo | null>;
  /** Every non-deleted server in the project (served from a short cache). */
  listServers(): Promise<ServerInfo[]>;
  getServer(externalId: string): Promise<ServerInfo | null>;

  /** Resources the label needs (cores, instances, ram[, volumes, volume-gb]). */
  quotaForLabel(label: PoolLabelConfig): Promise<QuotaLimits>;
  /** Absolute limits of the project (Infinity where unlimited); with a volume service also
   *  `volumes` and `volume-gb`. */
  quotaLimits(): Promise<QuotaLimits>;
  /** The project's volumes, for unmanaged volume usage; absent or [] without a volume service. */
  listVolumes?(): Promise<VolumeInfo[]>;
  listFlavors(): Promise<FlavorInfo[]>;
  listAvailabilityZones(): Promise<string[]>;

  listFloatingIps(): Promise<FloatingIpInfo[]>;
  deleteFloatingIp(id: string): Promise<void>;
  listPorts(filter: { status?: string; deviceId?: string }): Promise<PortInfo[]>;
  deletePort(id: string): Promise<void>;

  uploadImage(spec: UploadImageSpec): Promise<CloudImage>;
  deleteImage(id: string): Promise<void>;
  listImages(): Promise<CloudImage[]>;
  /** A cloud image by id or name (cloud-images). */
  findImage(idOrName: string): Promise<CloudImage | null>;
  /** findImage answered from a shared cache (found: minutes; missing: a minute), for callers
   *  that ask often (launches, the launcher's image-availability pass). */
  cachedImage(idOrName: string): Promise<CloudImage | null>;
  /** clouds.yaml image_format, or the classic image-type, or qcow2. */
  imageFormat(): string;

  consoleLog(externalId: string): Promise<string>;
}
