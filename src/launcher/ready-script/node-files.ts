// What classic nodepool wrote into the node's /etc/nodepool before the ready-script ran
// (listed in ./README.md). Pure: the caller writes them.
import type { Node } from '../../model/types.ts';
import type { ProviderConfig } from '../../config/model.ts';

export const NODEPOOL_DIR = '/etc/nodepool';

export interface NodeFile {
  /** Name inside /etc/nodepool. */
  name: string;
  content: string;
  mode: number;
}

export interface NodeKeyPair {
  /** OpenSSH private key text. */
  private: string;
  /** "ssh-rsa AAAA... comment" */
  public: string;
}

const lines = (values: readonly string[]) => values.map((v) => `${v}\n`).join('');

/** A single-node set: this node is the primary and there are no sub-nodes. */
export function nodepoolFiles(node: Node, provider: Pick<ProviderConfig, 'name' | 'cloud' | 'regionName'>, keys: NodeKeyPair): NodeFile[] {
  const ip = node.interface_ip ?? '';
  // The private address, or the public one on clouds without a separate private network (as 0.4).
  const privateIp = node.private_ipv4 ?? ip;
  const file = (name: string, content: string, mode = 0o644): NodeFile => ({ name, content, mode });
  return [
    file('role', 'primary\n'),
    file('node', lines([ip])),
    file('node_private', lines([privateIp])),
    file('primary_node', lines([ip])),
    file('primary_node_private', lines([privateIp])),
    file('sub_nodes', ''),
    file('sub_nodes_private', ''),
    file('id_rsa', keys.private, 0o600),
    file('id_rsa.pub', `${keys.public.trim()}\n`),
    file('provider', providerFile(node, provider)),
    file('uuid', lines([node.external_id ?? ''])),
  ];
}

export function providerFile(node: Pick<Node, 'az' | 'region' | 'cloud'>, provider: Pick<ProviderConfig, 'name' | 'cloud' | 'regionName'>): string {
  return lines([
    `NODEPOOL_PROVIDER=${provider.name}`,
    `NODEPOOL_CLOUD=${node.cloud ?? provider.cloud}`,
    `NODEPOOL_REGION=${node.region ?? provider.regionName ?? ''}`,
    `NODEPOOL_AZ=${node.az ?? ''}`,
  ]);
}
