// The Store on a ZkClient: one facade over the per-record stores, which hold the logic.
import type {
  Component, ImageBuild, ImageUpload, Node, NodeRequest, PoolComponent, RequestExplanation,
} from '../model/types.ts';
import type { ComponentKind } from '../model/component.ts';
import type { Clock } from '../util/clock.ts';
import { systemClock } from '../util/clock.ts';
import { silentLogger, type Logger } from '../util/logger.ts';
import type { LockHandle, LockOptions, ZkClient } from '../zk/types.ts';
import type { ComponentRegistration, NewNode, NewRequest, RecordCache, Store } from './types.ts';
import { UnreadableRecords, type UnreadableRecord } from './unreadable-records.ts';
import type { Metrics } from '../stats/metrics.ts';
import { reportUnreadableRecords } from '../stats/unreadable-records.ts';
import type { StoreContext } from './context.ts';
import { NodeStore } from './node-store.ts';
import { RequestStore } from './request-store.ts';
import { ImageStore } from './image-store.ts';
import { ImageRequestStore } from './image-requests.ts';
import { ComponentStore } from './component-store.ts';
import { ExplanationStore } from './explanation-store.ts';
import { exportImageData, importImageData } from './image-data.ts';
import { createNodeCache, createRequestCache, type NodeCache } from './record-caches.ts';
import { acquireStoreLock, type AcquireLock } from './lock-adapter.ts';
import {
  COMPONENT_ROOT, EXPLANATION_ROOT, IMAGE_ROOT, MIN_READY_LOCK, NODE_ROOT, staticSyncLockPath, REQUEST_LOCK_ROOT, REQUEST_ROOT, componentKindPath,
} from './paths.ts';

export interface ZkStoreOptions {
  logger?: Logger;
  clock?: Clock;
  /** The lock recipe; defaults to src/zk's kazoo-compatible one. */
  acquireLock?: AcquireLock;
  /** Receives the unreadable-records gauge. */
  metrics?: Metrics;
}

export class ZkStore implements Store {
  readonly client: ZkClient;
  private readonly ctx: StoreContext;
  private readonly nodes: NodeStore;
  private readonly requests: RequestStore;
  private readonly images: ImageStore;
  private readonly imageRequests: ImageRequestStore;
  private readonly components: ComponentStore;
  private readonly explanations: ExplanationStore;

  constructor(client: ZkClient, options: ZkStoreOptions = {}) {
    this.client = client;
    const acquire = options.acquireLock ?? acquireStoreLock;
    const logger = options.logger ?? silentLogger();
    const unreadable = new UnreadableRecords(logger);
    const metrics = options.metrics;
    if (metrics) unreadable.onCountChange((counts) => reportUnreadableRecords(metrics, counts));
    this.ctx = {
      client,
      logger,
      clock: options.clock ?? systemClock,
      lock: (lockDir, lockOptions) => acquire(client, lockDir, lockOptions),
      unreadable,
    };
    this.nodes = new NodeStore(this.ctx);
    this.requests = new RequestStore(this.ctx);
    this.images = new ImageStore(this.ctx);
    this.imageRequests = new ImageRequestStore(client);
    this.components = new ComponentStore(this.ctx);
    this.explanations = new ExplanationStore(this.ctx);
  }

  async init(): Promise<void> {
    const roots = [
      NODE_ROOT, REQUEST_ROOT, REQUEST_LOCK_ROOT, IMAGE_ROOT, COMPONENT_ROOT, EXPLANATION_ROOT,
      componentKindPath('launcher'), componentKindPath('builder'), componentKindPath('pool'),
    ];
    await Promise.all(roots.map((path) => this.client.mkdirp(path)));
  }

  // ----- nodes
  createNode(node: NewNode): Promise<Node> { return this.nodes.createNode(node); }
  getNode(id: string): Promise<Node | null> { return this.nodes.getNode(id); }
  listNodeIds(): Promise<string[]> { return this.nodes.listNodeIds(); }
  listNodes(unreadable?: UnreadableRecord[]): Promise<Node[]> { return this.nodes.listNodes(unreadable); }
  listNodesWithLockState(unreadable?: { record: UnreadableRecord; locked: boolean }[]): Promise<{ node: Node; locked: boolean }[]> {
    return this.nodes.listNodesWithLockState(unreadable);
  }
  storeNode(node: Node): Promise<void> { return this.nodes.storeNode(node); }
  deleteNode(node: Node, lock?: LockHandle): Promise<void> { return this.nodes.deleteNode(node, lock); }
  isNodeEmpty(id: string): Promise<boolean> { return this.nodes.isNodeEmpty(id); }
  deleteNodeZnode(id: string): Promise<void> { return this.nodes.deleteNodeZnode(id); }
  lockNode(id: string, options?: LockOptions): Promise<LockHandle | null> { return this.nodes.lockNode(id, options); }
  nodeIsLocked(id: string): Promise<boolean> { return this.nodes.nodeIsLocked(id); }
  nodesLocked(ids: readonly string[]): Promise<Map<string, boolean>> { return this.nodes.nodesLocked(ids); }
  forceUnlockNode(id: string): Promise<void> { return this.nodes.forceUnlockNode(id); }
  /** Each call starts a new cache (one watch, one full read): keep it and close() it. */
  nodeCache(): NodeCache { return createNodeCache(this.ctx); }

  // ----- requests
  submitRequest(request: NewRequest, priority: string, ephemeral: boolean): Promise<NodeRequest> {
    return this.requests.submitRequest(request, priority, ephemeral);
  }
  getRequest(id: string): Promise<NodeRequest | null> { return this.requests.getRequest(id); }
  listRequestIds(): Promise<string[]> { return this.requests.listRequestIds(); }
  listRequests(unreadable?: UnreadableRecord[]): Promise<NodeRequest[]> { return this.requests.listRequests(unreadable); }
  requestExists(id: string): Promise<boolean> { return this.requests.requestExists(id); }
  storeRequest(request: NodeRequest): Promise<void> { return this.requests.storeRequest(request); }
  deleteRequest(id: string): Promise<void> { return this.requests.deleteRequest(id); }
  lockRequest(id: string, options?: LockOptions): Promise<LockHandle | null> { return this.requests.lockRequest(id, options); }
  listRequestLocks(): Promise<{ id: string; mtime: number }[]> { return this.requests.listRequestLocks(); }
  deleteRequestLock(id: string): Promise<void> { return this.requests.deleteRequestLock(id); }
  /** Each call starts a new cache (one watch, one full read): keep it and close() it. */
  requestCache(): RecordCache<NodeRequest> { return createRequestCache(this.ctx); }
  lockMinReady(options?: LockOptions): Promise<LockHandle | null> { return this.ctx.lock(MIN_READY_LOCK, options); }
  lockStaticSync(provider: string, options?: LockOptions): Promise<LockHandle | null> { return this.ctx.lock(staticSyncLockPath(provider), options); }

  // ----- images
  listImageNames(): Promise<string[]> { return this.images.listImageNames(); }
  isImagePaused(image: string): Promise<boolean> { return this.images.isImagePaused(image); }
  setImagePaused(image: string, paused: boolean): Promise<void> { return this.images.setImagePaused(image, paused); }
  requestImageBuild(image: string): Promise<void> { return this.images.requestImageBuild(image); }
  hasBuildRequest(image: string): Promise<boolean> { return this.images.hasBuildRequest(image); }
  clearBuildRequest(image: string): Promise<void> { return this.images.clearBuildRequest(image); }
  getBuildRequest(image: string) { return this.imageRequests.getBuildRequest(image); }
  requestImageUpload(image: string, provider: string): Promise<void> { return this.imageRequests.requestImageUpload(image, provider); }
  listUploadRequests(image: string): Promise<string[]> { return this.imageRequests.listUploadRequests(image); }
  clearUploadRequest(image: string, provider: string): Promise<void> { return this.imageRequests.clearUploadRequest(image, provider); }
  lockImageBuilds(image: string, options?: LockOptions): Promise<LockHandle | null> { return this.images.lockImageBuilds(image, options); }
  createBuild(build: Omit<ImageBuild, 'id' | 'version'> & { id?: string }): Promise<ImageBuild> { return this.images.createBuild(build); }
  getBuild(image: string, buildId: string): Promise<ImageBuild | null> { return this.images.getBuild(image, buildId); }
  listBuilds(image: string, unreadable?: UnreadableRecord[]): Promise<ImageBuild[]> { return this.images.listBuilds(image, unreadable); }
  buildExists(image: string, buildId: string): Promise<boolean> { return this.images.buildExists(image, buildId); }
  storeBuild(build: ImageBuild): Promise<void> { return this.images.storeBuild(build); }
  deleteBuild(image: string, buildId: string): Promise<boolean> { return this.images.deleteBuild(image, buildId); }
  lockBuild(image: string, buildId: string, options?: LockOptions): Promise<LockHandle | null> {
    return this.images.lockBuild(image, buildId, options);
  }
  lockUploads(image: string, buildId: string, provider: string, options?: LockOptions): Promise<LockHandle | null> {
    return this.images.lockUploads(image, buildId, provider, options);
  }
  createUpload(upload: Omit<ImageUpload, 'id' | 'version'>): Promise<ImageUpload> { return this.images.createUpload(upload); }
  getUpload(image: string, buildId: string, provider: string, uploadId: string): Promise<ImageUpload | null> {
    return this.images.getUpload(image, buildId, provider, uploadId);
  }
  listUploads(image: string, buildId: string, provider?: string, unreadable?: UnreadableRecord[]): Promise<ImageUpload[]> {
    return this.images.listUploads(image, buildId, provider, unreadable);
  }
  storeUpload(upload: ImageUpload): Promise<void> { return this.images.storeUpload(upload); }
  deleteUpload(upload: ImageUpload): Promise<void> { return this.images.deleteUpload(upload); }
  lockUpload(upload: ImageUpload, options?: LockOptions): Promise<LockHandle | null> { return this.images.lockUpload(upload, options); }
  latestReadyUpload(image: string, provider: string): Promise<ImageUpload | null> { return this.images.latestReadyUpload(image, provider); }
  uploadPath(upload: ImageUpload): string { return this.images.uploadPath(upload); }

  // ----- components
  registerComponent<C extends Component>(component: C, signal?: AbortSignal): Promise<ComponentRegistration<C>> {
    return this.components.registerComponent(component, signal);
  }
  listComponents(kind: 'launcher', unreadable?: UnreadableRecord[]): Promise<Extract<Component, { kind: 'launcher' }>[]>;
  listComponents(kind: 'builder', unreadable?: UnreadableRecord[]): Promise<Extract<Component, { kind: 'builder' }>[]>;
  listComponents(kind: 'pool', unreadable?: UnreadableRecord[]): Promise<PoolComponent[]>;
  listComponents(kind: ComponentKind, unreadable?: UnreadableRecord[]): Promise<Component[]> {
    return this.components.listComponents(kind, unreadable);
  }
  unreadableRecords(): UnreadableRecord[] { return this.ctx.unreadable.list(); }

  // ----- explanations (beyond upstream)
  recordExplanation(explanation: RequestExplanation): Promise<void> { return this.explanations.recordExplanation(explanation); }
  listExplanations(requestId: string): Promise<RequestExplanation[]> { return this.explanations.listExplanations(requestId); }
  deleteExplanations(requestId: string): Promise<void> { return this.explanations.deleteExplanations(requestId); }
  pruneExplanations(): Promise<number> { return this.explanations.pruneExplanations(); }

  // ----- export / import
  exportImageData(): Promise<Record<string, string>> { return exportImageData(this.client); }
  importImageData(data: Record<string, string>): Promise<void> { return importImageData(this.client, data); }
}
