// Pure construction of what a launch writes: the initial Node record, the image choice and
// the server's Nova metadata, as upstream's request handler and node launcher write them.
import type { Node, NodeRequest } from '../model/types.ts';
import type { NewNode } from '../store/types.ts';
import type { NodepoolConfig, PoolConfig, PoolLabelConfig, ProviderConfig } from '../config/model.ts';
import type { CreateServerSpec } from '../cloud/provider.ts';

export function serverName(nodeId: string): string {
  return `np${nodeId}`;
}

/** The node znode as created for a request, before it is locked (state init). */
export function initialNode(params: {
  provider: ProviderConfig; pool: PoolConfig; label: string; launcherId: string;
  request: NodeRequest; nowSeconds: number;
}): NewNode {
  const { provider, pool, label, launcherId, request, nowSeconds } = params;
  return {
    state: 'init', state_time: nowSeconds, cloud: null, provider: provider.name, pool: pool.name,
    type: [label], allocated_to: request.id, az: null, region: null, public_ipv4: null,
    private_ipv4: null, public_ipv6: null, host_id: null, interface_ip: null, connection_port: 22,
    image_id: null, launcher: launcherId, created_time: nowSeconds, external_id: null, hostname: null,
    comment: null, user_data: null, hold_job: null, host_keys: [], username: 'zuul',
    connection_type: null, shell_type: null, hold_expiration: null, resources: null, slot: null,
    attributes: Object.keys(pool.nodeAttributes).length > 0 ? { ...pool.nodeAttributes } : null,
    python_path: null, tenant_name: request.tenant_name, driver_data: null, requestor: request.requestor, extra: {},
  };
}

/** What the node boots from, and the login facts copied onto the node. */
export interface ImageChoice {
  /** Written to node.image_id: the upload's ZooKeeper path, or the cloud-image name. */
  nodeImageId: string;
  /** Passed to the cloud. */
  cloudImageId: string | null;
  cloudImageName: string | null;
  /** Name used in the "groups" metadata. */
  groupName: string;
  username: string;
  pythonPath: string | null;
  shellType: string | null;
  connectionType: string;
  connectionPort: number;
  configDrive: boolean | null;
}

export interface ReadyUploadFacts {
  path: string;
  externalId: string | null;
  externalName: string | null;
  username: string;
  pythonPath: string;
  shellType: string | null;
}

/** null when the label's image is unknown to the provider's config. */
export function chooseImage(provider: ProviderConfig, label: PoolLabelConfig, upload: ReadyUploadFacts | null): ImageChoice | null {
  if (label.diskimage) {
    if (!upload) return null;
    const pdi = provider.diskimages.find((d) => d.name === label.diskimage);
    return {
      nodeImageId: upload.path, cloudImageId: upload.externalId, cloudImageName: upload.externalName,
      groupName: label.diskimage, username: upload.username, pythonPath: upload.pythonPath,
      shellType: upload.shellType, connectionType: pdi?.connectionType ?? 'ssh',
      connectionPort: pdi?.connectionPort ?? 22, configDrive: pdi?.configDrive ?? null,
    };
  }
  if (label.cloudImage) {
    const ci = provider.cloudImages.find((c) => c.name === label.cloudImage);
    if (!ci) return null;
    return {
      nodeImageId: ci.name, cloudImageId: ci.imageId, cloudImageName: ci.imageId ? null : (ci.imageName ?? ci.name),
      // A cloud image without a username leaves it unset in config; the node record keeps zuul.
      groupName: ci.name, username: ci.username ?? 'zuul', pythonPath: ci.pythonPath, shellType: ci.shellType,
      connectionType: ci.connectionType, connectionPort: ci.connectionPort, configDrive: ci.configDrive,
    };
  }
  return null;
}

/** Expands "{request.id}"-style placeholders; returns null when a placeholder is unknown. */
export function formatDynamicProperty(template: string, request: NodeRequest): string | null {
  const fields: Record<string, unknown> = {
    id: request.id, labels: request.node_types, requestor: request.requestor,
    requestor_data: request.requestor_data, relative_priority: request.relative_priority,
    event_id: request.event_id, created_time: request.created_time, tenant_name: request.tenant_name,
  };
  let failed = false;
  const out = template.replace(/\{request\.([a-z_]+)((?:\[[^\]]+\])*)\}/g, (_m, field: string, index: string) => {
    if (!(field in fields)) { failed = true; return ''; }
    let value: unknown = fields[field];
    for (const key of index.match(/\[([^\]]+)\]/g) ?? []) {
      const k = key.slice(1, -1);
      value = value && typeof value === 'object' ? (value as Record<string, unknown>)[k] : undefined;
    }
    if (value === undefined || value === null) return value === null ? 'None' : '';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
  return failed ? null : out;
}

export function serverMetadata(params: {
  provider: ProviderConfig; pool: PoolConfig; label: PoolLabelConfig; image: ImageChoice;
  nodeId: string; request: NodeRequest | null;
}): Record<string, string> {
  const { provider, pool, label, image, nodeId, request } = params;
  const meta: Record<string, string> = {
    groups: [provider.name, image.groupName, label.name].join(','),
    ...label.instanceProperties,
  };
  if (request) {
    for (const [key, template] of Object.entries(label.dynamicInstanceProperties)) {
      const value = formatDynamicProperty(template, request);
      if (value !== null) meta[key] = value;
    }
  }
  meta.nodepool_node_id = nodeId;
  meta.nodepool_pool_name = pool.name;
  meta.nodepool_provider_name = provider.name;
  return meta;
}

export function createServerSpec(params: {
  provider: ProviderConfig; pool: PoolConfig; label: PoolLabelConfig; image: ImageChoice;
  node: Node; request: NodeRequest | null; az: string | null;
}): CreateServerSpec {
  const { label, pool, image, node, az } = params;
  return {
    hostname: serverName(node.id), label, pool, imageId: image.cloudImageId, imageName: image.cloudImageName,
    az, metadata: serverMetadata({ ...params, nodeId: node.id }), configDrive: image.configDrive,
  };
}

/** A pool label by name, with its provider and pool. */
export function findPoolLabel(config: NodepoolConfig, providerName: string, poolName: string, labelName: string):
  { provider: ProviderConfig; pool: PoolConfig; label: PoolLabelConfig } | null {
  const provider = config.providers.find((p) => p.name === providerName);
  const pool = provider?.pools.find((p) => p.name === poolName);
  const label = pool?.labels.find((l) => l.name === labelName);
  return provider && pool && label ? { provider, pool, label } : null;
}
