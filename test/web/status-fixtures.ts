// Loads test/fixtures/status/*.json into the records the status functions take.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Node, NodeRequest, ImageBuild, ImageUpload, PoolComponent } from '../../src/model/types.ts';
import {
  nodeList, imageList, dibImageList, requestList, imageStatus, labelList,
  type StatusTable, type ImageStatusInput,
} from '../../src/status/listings.ts';

export const fixtureDir = fileURLToPath(new URL('../fixtures/status/', import.meta.url));

export interface StatusFixture {
  name: string;
  description: string;
  kind: string;
  /** Epoch seconds the ages are measured from. */
  now: number;
  [key: string]: unknown;
}

export function listFixtures(): StatusFixture[] {
  return readdirSync(fixtureDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ ...JSON.parse(readFileSync(fixtureDir + f, 'utf8')), name: f.replace(/\.json$/, '') }));
}

export function expectedText(name: string): string {
  return readFileSync(`${fixtureDir}${name}.txt`, 'utf8');
}

/** A complete Node from the few fields a fixture gives. */
export function makeNode(partial: Partial<Node> & { id: string }): Node {
  return {
    state: 'ready', state_time: 0, cloud: null, provider: null, pool: null, type: [], allocated_to: null,
    az: null, region: null, public_ipv4: null, private_ipv4: null, public_ipv6: null, host_id: null,
    interface_ip: null, connection_port: 22, image_id: null, launcher: null, created_time: null,
    external_id: null, hostname: null, comment: null, user_data: null, hold_job: null, host_keys: [],
    username: 'zuul', connection_type: 'ssh', shell_type: null, hold_expiration: null, resources: null,
    slot: null, attributes: null, python_path: null, tenant_name: null, driver_data: null, requestor: null,
    extra: {},
    ...partial,
  };
}

export function makeRequest(partial: Partial<NodeRequest> & { id: string }): NodeRequest {
  return {
    state: 'requested', state_time: 0, declined_by: [], node_types: [], nodes: [], reuse: true,
    requestor: null, requestor_data: null, provider: null, relative_priority: 0, event_id: null,
    created_time: null, tenant_name: null,
    ...partial,
  };
}

export function makeBuild(partial: Partial<ImageBuild> & { id: string; image: string }): ImageBuild {
  return { state: 'ready', state_time: 0, builder: null, builder_id: null, formats: [], username: 'zuul', python_path: 'auto', shell_type: null, ...partial };
}

export function makeUpload(partial: Partial<ImageUpload> & { id: string; image: string; build_id: string; provider: string }): ImageUpload {
  return { state: 'ready', state_time: 0, external_id: null, external_name: null, format: 'qcow2', username: 'zuul', python_path: 'auto', shell_type: null, ...partial };
}

export function makePool(partial: Partial<PoolComponent> & { id: string }): PoolComponent {
  return {
    kind: 'pool', hostname: 'nl01', model_api: 0, state: 'running', version: 'test', name: 'main', paused: false,
    priority: 100, provider_name: 'p', supported_labels: [], ...partial,
  };
}

/** The StatusTable a fixture describes, built through the same pure functions the CLI uses. */
export function fixtureTable(f: StatusFixture): StatusTable {
  switch (f.kind) {
    case 'node-list':
    case 'node-list-detail': {
      const raw = f.nodes as (Partial<Node> & { id: string; locked: boolean })[];
      const nodes = raw.map(({ locked: _locked, ...n }) => makeNode(n));
      const locked = new Set(raw.filter((n) => n.locked).map((n) => n.id));
      return nodeList(nodes, locked, f.kind === 'node-list-detail');
    }
    case 'image-list':
      return imageList((f.uploads as Parameters<typeof makeUpload>[0][]).map(makeUpload));
    case 'dib-image-list':
      return dibImageList((f.builds as Parameters<typeof makeBuild>[0][]).map(makeBuild), new Set(f.paused as string[]));
    case 'request-list':
      return requestList((f.requests as Parameters<typeof makeRequest>[0][]).map(makeRequest));
    case 'image-status':
      return imageStatus(f.images as ImageStatusInput[]);
    case 'label-list':
      return labelList((f.pools as Parameters<typeof makePool>[0][]).map(makePool));
    default:
      throw new Error(`fixture ${f.name}: unknown kind ${f.kind}`);
  }
}
