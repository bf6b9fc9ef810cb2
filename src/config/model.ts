// The one internal, typed, frozen configuration both file formats load into.
// Durations are seconds (as in the files); the daemons convert where they need ms.
import type { StaticProviderConfig } from './static-model.ts';

export interface ZookeeperServerConfig { host: string; port: number; chroot: string | null }
export interface ZookeeperTlsConfig { cert: string; key: string; ca: string }

export interface LabelConfig {
  name: string;
  /** -1 disables the label. */
  minReady: number;
  /** 0 = off. */
  maxReadyAge: number;
  /** Classic format: script run on the node before it becomes ready. */
  readyScript: string | null;
}

export interface DiskImageConfig {
  name: string;
  abstract: boolean;
  parent: string | null;
  dibCmd: string;
  pause: boolean;
  /** Parents' elements first. */
  elements: string[];
  /** Extra formats built even without a provider needing them. */
  formats: string[];
  keepFormats: string[];
  deleteAfterUpload: boolean;
  release: string | null;
  rebuildAge: number;
  buildTimeout: number;
  /** Merged along parents and with the secure file. */
  envVars: Record<string, string>;
  username: string;
  pythonPath: string;
  shellType: string | null;
  metadata: Record<string, string>;
  /** Names of env-vars that came from the secure file (redacted when printed). */
  secureEnvVars?: string[];
}

export interface ProviderDiskImageConfig {
  name: string;
  pause: boolean;
  meta: Record<string, string>;
  configDrive: boolean | null;
  connectionType: string;
  connectionPort: number;
}

export interface CloudImageConfig {
  name: string;
  configDrive: boolean | null;
  connectionType: string;
  connectionPort: number;
  imageId: string | null;
  imageName: string | null;
  /** null when the config does not set one (upstream's default). */
  username: string | null;
  pythonPath: string;
  shellType: string | null;
}

export interface PoolLabelConfig {
  name: string;
  diskimage: string | null;
  cloudImage: string | null;
  minRam: number | null;
  flavorName: string | null;
  /** Classic: substring the flavor name must contain. */
  nameFilter: string | null;
  keyName: string | null;
  consoleLog: boolean;
  bootFromVolume: boolean;
  volumeSize: number;
  instanceProperties: Record<string, string>;
  dynamicInstanceProperties: Record<string, string>;
  userdata: string | null;
  /** null: use the pool's. */
  networks: string[] | null;
  hostKeyChecking: boolean | null;
  /** Classic: SSH login for ready-script and check. */
  username: string | null;
  privateKey: string | null;
  readyScript: string | null;
  /** Classic: the image's `config-drive` (current format: see the provider diskimage). */
  configDrive?: boolean | null;
}

export interface PoolConfig {
  name: string;
  maxServers: number; // Infinity when unset
  maxCores: number;
  maxRam: number;
  maxVolumes: number;
  maxVolumeGb: number;
  ignoreProviderQuota: boolean;
  availabilityZones: string[];
  networks: string[];
  securityGroups: string[];
  autoFloatingIp: boolean;
  hostKeyChecking: boolean;
  nodeAttributes: Record<string, unknown>;
  priority: number;
  labels: PoolLabelConfig[];
}

export interface ProviderConfig {
  name: string;
  driver: 'openstack';
  cloud: string;
  regionName: string | null;
  maxConcurrency: number;
  priority: number;
  bootTimeout: number;
  launchTimeout: number;
  launchRetries: number;
  /** Seconds between API calls (upstream semantics). */
  rate: number;
  imageUploadTimeout: number;
  imageNameFormat: string;
  cleanFloatingIps: boolean;
  portCleanupInterval: number;
  postUploadHook: string | null;
  /** Classic `image-type`; overrides clouds.yaml image_format. */
  imageType: string | null;
  diskimages: ProviderDiskImageConfig[];
  cloudImages: CloudImageConfig[];
  pools: PoolConfig[];
}

export interface TenantResourceLimit {
  tenantName: string;
  limits: Record<string, number>; // max-servers → instances, max-cores → cores, max-ram → ram, ...
}

export interface NodepoolConfig {
  /** Absolute path of the file it came from. */
  configFile: string;
  /** 'current' or 'classic' (the standalone 0.4 format). */
  format: 'current' | 'classic';
  /** Directory holding ready-scripts (classic: `scripts` beside the config). */
  scriptsDir: string;
  zookeeperServers: ZookeeperServerConfig[];
  zookeeperTls: ZookeeperTlsConfig | null;
  zookeeperTimeout: number;
  labels: LabelConfig[];
  diskimages: DiskImageConfig[];
  providers: ProviderConfig[];
  /** `driver: static` providers (current format only); names are unique across both lists. */
  staticProviders: StaticProviderConfig[];
  webapp: { port: number; listenAddress: string };
  elementsDir: string | null;
  imagesDir: string | null;
  buildLogDir: string;
  buildLogRetention: number;
  /** Seconds a removed diskimage/provider waits before the janitor deletes its images (default 600). */
  imageRemovalGrace?: number;
  maxHoldAge: number; // Infinity when unset
  tenantResourceLimits: TenantResourceLimit[];
  cron: { check: string; cleanup: string };
  /** Delete-worker interval (s). */
  deleteInterval: number;
  /** Absolute path of the secure file merged in (`-s`), if any. */
  secureFile?: string | null;
  /**
   * NODEPOOL_ environment variables the config or secure file names as %(NODEPOOL_X) placeholders
   * (substituted or left unset), sorted: they may hold secrets, so they are kept out of what is
   * handed to nodes (ready-scripts). Set by the loader; absent on a config built another way.
   */
  consumedEnvVars?: string[];
  /** Classic `ready-script-env`: only these daemon NODEPOOL_* variables reach ready-scripts (absent: all but the consumed ones). */
  readyScriptEnv?: readonly string[] | null;
}

// ----- clouds.yaml as openstacksdk reads it
export type CloudAuth =
  | {
      type: 'password';
      authUrl: string;
      username?: string; userId?: string;
      password: string;
      userDomainName?: string; userDomainId?: string;
      projectName?: string; projectId?: string;
      projectDomainName?: string; projectDomainId?: string;
    }
  | {
      type: 'v3applicationcredential';
      authUrl: string;
      applicationCredentialId?: string;
      applicationCredentialName?: string;
      applicationCredentialSecret: string;
      username?: string; userDomainName?: string;
    };

export interface CloudConfig {
  name: string;
  auth: CloudAuth;
  regions: string[];
  regionName: string | null;
  interface: 'public' | 'internal' | 'admin';
  imageFormat: string | null;
  verify: boolean;
  cacert: string | null;
  computeApiVersion: string | null;
}

export interface CloudsConfig {
  file: string | null;
  clouds: Record<string, CloudConfig>;
  /** The cloud OS_CLOUD names, when clouds.yaml defines it. */
  defaultCloud?: string | null;
  /** The secure.yaml merged into the clouds, if one was found. */
  secureFile?: string | null;
}
