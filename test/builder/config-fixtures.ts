// Small builders for the frozen config model, so builder tests state only what they vary.
import type { DiskImageConfig, NodepoolConfig, ProviderConfig, ProviderDiskImageConfig } from '../../src/config/model.ts';
import type { ImageBuild, ImageUpload } from '../../src/model/types.ts';

export function diskimage(over: Partial<DiskImageConfig> & { name: string }): DiskImageConfig {
  return {
    abstract: false, parent: null, dibCmd: 'disk-image-create', pause: false,
    elements: ['debian-minimal', 'nodepool-minimal'], formats: [], keepFormats: [], deleteAfterUpload: false,
    release: null, rebuildAge: 86400, buildTimeout: 28800, envVars: {}, username: 'zuul', pythonPath: 'auto',
    shellType: null, metadata: {},
    ...over,
  };
}

export function providerDiskimage(name: string, over: Partial<ProviderDiskImageConfig> = {}): ProviderDiskImageConfig {
  return { name, pause: false, meta: {}, configDrive: null, connectionType: 'ssh', connectionPort: 22, ...over };
}

export function provider(over: Partial<ProviderConfig> & { name: string }): ProviderConfig {
  return {
    driver: 'openstack', cloud: over.name, regionName: null, maxConcurrency: -1, priority: 100, bootTimeout: 60,
    launchTimeout: 3600, launchRetries: 3, rate: 0, imageUploadTimeout: 3600, imageNameFormat: '{image_name}-{timestamp}',
    cleanFloatingIps: true, portCleanupInterval: 600, postUploadHook: null, imageType: null, diskimages: [],
    cloudImages: [], pools: [],
    ...over,
  };
}

export function nodepoolConfig(over: Partial<NodepoolConfig> = {}): NodepoolConfig {
  return {
    configFile: '/etc/nodepool/nodepool.yaml', format: 'current', scriptsDir: '/etc/nodepool/scripts',
    zookeeperServers: [{ host: '127.0.0.1', port: 2181, chroot: null }], zookeeperTls: null, zookeeperTimeout: 10,
    labels: [], diskimages: [], providers: [], staticProviders: [], webapp: { port: 8005, listenAddress: '127.0.0.1' },
    elementsDir: null, imagesDir: '/opt/nodepool/images', buildLogDir: '/var/log/nodepool/builds', buildLogRetention: 7,
    maxHoldAge: Infinity, tenantResourceLimits: [], cron: { check: '*/15 * * * *', cleanup: '* * * * *' }, deleteInterval: 5,
    ...over,
  };
}

export function build(over: Partial<ImageBuild> & { id: string }): ImageBuild {
  return {
    image: 'img', state: 'ready', state_time: 1000, builder: 'nb01', builder_id: 'b-1', formats: ['qcow2'],
    username: 'zuul', python_path: 'auto', shell_type: null,
    ...over,
  };
}

export function upload(over: Partial<ImageUpload> & { id: string; build_id: string; provider: string }): ImageUpload {
  return {
    image: 'img', state: 'ready', state_time: 1000, external_id: `ext-${over.build_id}-${over.provider}-${over.id}`,
    external_name: 'img-1000', format: 'qcow2', username: 'zuul', python_path: 'auto', shell_type: null,
    ...over,
  };
}
