// Configuration and persisted records of the OpenStack API simulator.

export type SimService = 'identity' | 'compute' | 'image' | 'network' | 'volume';

export interface SimFlavor {
  id: string;
  name: string;
  vcpus: number;
  /** MiB */
  ram: number;
  /** GiB */
  disk: number;
}

export interface SimQuotas {
  instances: number;
  cores: number;
  /** MiB */
  ram: number;
  /** Cinder: number of volumes and their total size (GiB); -1 = unlimited. */
  volumes: number;
  gigabytes: number;
}

/** What Nova counts (Cinder's volumes are derived from the servers' boot volumes). */
export type ComputeUsage = Pick<SimQuotas, 'instances' | 'cores' | 'ram'>;

export interface SimUser {
  id: string;
  name: string;
  password: string;
  domainId: string;
  projectId: string;
}

export interface SimApplicationCredential {
  id: string;
  name: string;
  secret: string;
  userId: string;
}

/** Faults can be given in the config file or changed at runtime (POST /_admin/faults). */
export interface FaultConfig {
  /** Added to every request before it is answered. */
  latencyMs?: number;
  /** Fraction (0..1) of requests per service answered with 503. */
  errorRate?: Partial<Record<SimService, number>>;
  /** The next `count` requests (to `service`, or any service) get 429 with Retry-After. */
  rateLimit?: { count: number; retryAfterSeconds?: number; service?: SimService };
  /** The next N POST /servers fail with Nova's 403 quota fault. */
  quotaFailNextCreates?: number;
  /** The next `count` created servers end in ERROR with this fault (quota-flavoured when `quota`). */
  errorServers?: { count: number; message?: string; quota?: boolean };
  /** The next N created servers stay in BUILD forever. */
  stuckServers?: number;
  /** The next N POST /servers create the server but answer 503, as when the response is lost. */
  lostCreateResponses?: number;
  /** The next N DELETE /servers/{id} are accepted but the server is never removed. */
  undeletableServers?: number;
  /** Image uploads are throttled to this many bytes per second. */
  uploadBytesPerSecond?: number;
  /** The next N POST /v2/images create the image but never answer: the client learns no id. */
  stalledImageCreates?: number;
}

export interface SshConfig {
  /** Start an SSH endpoint per server. */
  enabled: boolean;
  /** 0: an ephemeral port per server. Any other value: that port on each server's own IP. */
  port: number;
  /** Accept any public key instead of only the server's key_name keypair. */
  acceptAnyKey: boolean;
  /** Absolute path prefixes in exec commands that are rewritten into the server's sandbox. */
  sandboxPrefixes: string[];
  /** Directories that exist in a fresh sandbox, as an image's elements would have made them (world-writable). */
  sandboxDirs: string[];
}

export interface SimulatorConfig {
  region: string;
  domain: { id: string; name: string };
  project: { id: string; name: string };
  users: SimUser[];
  applicationCredentials: SimApplicationCredential[];
  tokenTtlSeconds: number;
  /** Time a server spends in BUILD before it is ACTIVE. */
  buildDelayMs: number;
  /** Time a deleted server stays listed (status DELETED is not shown; it stays ACTIVE + task deleting). */
  deleteDelayMs: number;
  flavors: SimFlavor[];
  availabilityZones: string[];
  quotas: SimQuotas;
  /** Highest compute microversion announced. */
  maxComputeMicroversion: string;
  /** Page size when a list request gives no limit (Nova's osapi_max_limit). */
  maxPageSize: number;
  consoleOutput: string;
  /** Glance's hashing_algorithm for os_hash_value: sha512 as Glance's default, or sha256 (cheaper; md5 + sha256 are always computed). */
  imageHashAlgorithm: 'sha256' | 'sha512';
  seed: number;
  ssh: SshConfig;
  faults: FaultConfig;
}

export interface ServerNic {
  networkId: string;
  networkName: string;
  portId: string;
  ip: string;
  mac: string;
}

export interface ServerRecord {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  imageRef: string;
  flavor: SimFlavor;
  nics: ServerNic[];
  keyName: string | null;
  az: string;
  securityGroups: string[];
  userData: string | null;
  configDrive: boolean;
  metadata: Record<string, string>;
  blockDeviceMapping: unknown[] | null;
  hostId: string;
  createdAt: number;
  updatedAt: number;
  /** When the build ends (created + buildDelayMs at creation), so a restart with another config keeps it. */
  activeAt: number;
  /** What the build turns into at activeAt. */
  outcome: 'ACTIVE' | 'ERROR' | 'BUILD';
  /** Set when the server went to ERROR or was killed. */
  fault: { code: number; message: string; created: number } | null;
  /** Overrides the computed status (SHUTOFF/ERROR after an admin kill). */
  forcedStatus: string | null;
  deletedAt: number | null;
  undeletable: boolean;
  /** Port of the server's SSH endpoint, null when it has none. */
  sshPort: number | null;
  sshKilled: boolean;
}

export interface ImageRecord {
  id: string;
  name: string | null;
  status: 'queued' | 'saving' | 'active' | 'killed' | 'deleted' | 'uploading' | 'importing';
  visibility: string;
  diskFormat: string | null;
  containerFormat: string | null;
  size: number | null;
  checksum: string | null;
  sha256: string | null;
  osHashAlgo: string | null;
  osHashValue: string | null;
  minDisk: number;
  minRam: number;
  owner: string;
  protected: boolean;
  tags: string[];
  /** Additional (user) properties, top-level in the API. */
  properties: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

export interface NetworkRecord {
  id: string;
  name: string;
  external: boolean;
  shared: boolean;
  subnetId: string;
  cidr: string;
  /** First three octets of the /16 allocation are 127.<a>.<b>; the counter allocates the rest. */
  prefix: string;
  nextHost: number;
}

export interface PortRecord {
  id: string;
  networkId: string;
  deviceId: string;
  deviceOwner: string;
  status: 'ACTIVE' | 'DOWN' | 'BUILD';
  ip: string;
  mac: string;
  name: string;
  createdAt: number;
}

export interface FloatingIpRecord {
  id: string;
  address: string;
  networkId: string;
  portId: string | null;
  fixedIp: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface KeypairRecord {
  name: string;
  publicKey: string;
  fingerprint: string;
  type: string;
  userId: string;
  createdAt: number;
}

export interface TokenRecord {
  id: string;
  userId: string;
  projectId: string;
  methods: string[];
  issuedAt: number;
  expiresAt: number;
}

/** Everything persisted to state.json. */
export interface SimStateData {
  version: 1;
  servers: Record<string, ServerRecord>;
  images: Record<string, ImageRecord>;
  networks: Record<string, NetworkRecord>;
  ports: Record<string, PortRecord>;
  floatingIps: Record<string, FloatingIpRecord>;
  keypairs: Record<string, KeypairRecord>;
  tokens: Record<string, TokenRecord>;
  /** Faults and quotas changed at runtime survive a restart too. */
  faults: FaultConfig;
  quotas: SimQuotas;
  /** Second octet base for the loopback ranges of this simulator's networks. */
  addressBase: number;
  rngState: number;
}
